import QRCode from 'qrcode';
import { parseQrOptions, QR_TEXT_MAX, QrOptionsError, type QrEcl, type QrFormat, type QrOptions } from './qr-options.js';

/**
 * Rendering QR symbols. `qrcode` computes the module matrix (and encodes the PNG); the SVG is
 * written here from that matrix so the standalone image and the poster share one vector form.
 * Rendering is CPU-bound and blocks the event loop (here a PNG takes about 12 ms at 512 px and
 * 165 ms at 2048 px, an SVG 0.5 ms): callers render once per channel and size and keep the bytes
 * in a `RenderCache`.
 */

/** The modules of one QR symbol: `size`×`size`, row-major, 1 = dark. */
export interface QrMatrix {
  readonly size: number;
  readonly data: Uint8Array;
  readonly version: number;
  readonly maskPattern: QRCode.QRCodeMaskPattern | undefined;
  readonly ecl: QrEcl;
}

/**
 * Below 2 px per module adjacent modules blur into each other once a viewer rescales the image,
 * and below 1 px `qrcode` silently ignores the requested width, so such a request is refused.
 */
const MIN_PX_PER_MODULE = 2;

/**
 * Encodes `text` into a module matrix.
 *
 * @throws QrOptionsError (field `text`) for an empty text, one over 1024 characters, or one whose
 *   bytes exceed what a version-40 symbol holds at `ecl` (multi-byte text can, within 1024 chars).
 */
export function encodeQr(text: string, ecl: QrEcl): QrMatrix {
  if (typeof text !== 'string' || text.length === 0) throw new QrOptionsError('text', '二维码内容不能为空');
  if (text.length > QR_TEXT_MAX) throw new QrOptionsError('text', `二维码内容过长（最多 ${QR_TEXT_MAX} 个字符）`);
  let qr: QRCode.QRCode;
  try {
    qr = QRCode.create(text, { errorCorrectionLevel: ecl });
  } catch (e) {
    // qrcode reports capacity overflow only through its message; anything else is a bug to surface.
    if (e instanceof Error && /too big/i.test(e.message)) {
      throw new QrOptionsError('text', '二维码内容过长，无法在该容错级别下生成', e);
    }
    throw e;
  }
  return { size: qr.modules.size, data: qr.modules.data, version: qr.version, maskPattern: qr.maskPattern, ecl };
}

/**
 * SVG path data for the dark modules, offset by `margin` modules: one closed rectangle per
 * horizontal run of dark modules. Filled rather than stroked (as `qrcode`'s own SVG is) so the
 * edges fall exactly on module boundaries at any scale, and a single path so renderers compute
 * coverage once and show no hairline seams between abutting runs.
 */
export function qrPathData(m: QrMatrix, margin: number): string {
  const parts: string[] = [];
  for (let y = 0; y < m.size; y++) {
    const row = y * m.size;
    let x = 0;
    while (x < m.size) {
      if (!m.data[row + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < m.size && m.data[row + x]) x++;
      const run = x - start;
      parts.push(`M${start + margin} ${y + margin}h${run}v1h-${run}z`);
    }
  }
  return parts.join('');
}

function svgDocument(m: QrMatrix, opts: QrOptions): string {
  const extent = m.size + 2 * opts.margin;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${opts.size}" height="${opts.size}" ` +
    `viewBox="0 0 ${extent} ${extent}" shape-rendering="crispEdges">` +
    `<rect width="${extent}" height="${extent}" fill="#fff"/>` +
    `<path fill="#000" d="${qrPathData(m, opts.margin)}"/></svg>\n`
  );
}

async function pngBytes(text: string, m: QrMatrix, opts: QrOptions): Promise<Buffer> {
  const minSize = (m.size + 2 * opts.margin) * MIN_PX_PER_MODULE;
  if (opts.size < minSize) {
    throw new QrOptionsError('size', `尺寸过小：该内容的二维码至少需要 ${minSize} 像素`);
  }
  // Passed through to pngjs (typed by @types/qrcode as deflate settings only, hence the variable;
  // level 9 is qrcode's default). 8-bit greyscale with the "up" filter (QR rows repeat) gives
  // 40–60% fewer bytes than qrcode's RGBA with adaptive filtering and 10–35% less CPU. A fresh
  // object per call because qrcode writes width and height into it.
  const rendererOpts = { colorType: 0, filterType: 2, deflateLevel: 9 };
  return QRCode.toBuffer(text, {
    errorCorrectionLevel: m.ecl,
    // Pinning version and mask reuses the choice encodeQr already made (qrcode otherwise scores
    // all eight masks again) and guarantees the PNG shows the same matrix as the SVG.
    version: m.version,
    maskPattern: m.maskPattern,
    margin: opts.margin,
    // qrcode sizes the image as floor(extent * (width / extent)), which floating point puts at
    // width - 1 for about one size in twenty; half a pixel more always floors to `size` exactly.
    width: opts.size + 0.5,
    rendererOpts,
  });
}

/**
 * Renders `text` (normally a URL) as PNG bytes or SVG text (utf8). `opts` is validated again
 * with `parseQrOptions`, because an unchecked size would let one request allocate gigabytes.
 *
 * @throws QrOptionsError for bad options, a text `encodeQr` refuses, or a PNG size that leaves
 *   fewer than 2 px per module for this text.
 */
export async function renderQr(text: string, opts: QrOptions): Promise<Buffer> {
  const o = parseQrOptions(opts);
  const m = encodeQr(text, o.ecl);
  return o.format === 'svg' ? Buffer.from(svgDocument(m, o), 'utf8') : pngBytes(text, m, o);
}

const CONTENT_TYPES: Readonly<Record<QrFormat, string>> = { png: 'image/png', svg: 'image/svg+xml' };

/** The `Content-Type` to serve a rendered QR with. */
export function qrContentType(format: QrFormat): string {
  return CONTENT_TYPES[format];
}

/**
 * A `RenderCache` key that covers everything the bytes depend on, so two requests share an entry
 * exactly when they would render the same image. The text goes last because it may contain `:`.
 */
export function qrCacheKey(text: string, opts: QrOptions): string {
  return `qr:${opts.format}:${opts.size}:${opts.margin}:${opts.ecl}:${text}`;
}

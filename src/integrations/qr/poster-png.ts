import { openSync, readSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import type * as ResvgJs from '@resvg/resvg-js';
import type { Logger } from '../../shared/logger.js';
import { POSTER_ACCENT, POSTER_LAYOUT as L, renderPosterSvg, type PosterInput } from './poster-svg.js';
import { QrOptionsError } from './qr-options.js';
import { encodeQr, type QrMatrix } from './qr-render.js';

/**
 * The channel poster as a PNG a phone can save to its album (WeChat's saveImageToPhotosAlbum
 * takes raster images only), with the same text as the printable SVG poster: the page is the
 * poster SVG (poster-svg.ts, so the layout lives in one place) rasterised by resvg with Noto Sans
 * SC (regular and bold, from the npm package @embedpdf/fonts-sc; all GB2312 hanzi, ASCII and
 * full-width punctuation), and the QR symbol is then drawn pixel by pixel with module edges on
 * whole pixels, so it stays crisp after the phone rescales it.
 *
 * The rasteriser and fonts are looked up once per process, on the first poster. If they cannot
 * be loaded (no native resvg binary for this platform, font files missing), posters are still
 * served, drawn without text as before (page, accent bar, frame, divider, QR), and each such
 * render logs a warning.
 */

export const POSTER_PNG_MIN = 512;
export const POSTER_PNG_MAX = 2048;
export const POSTER_PNG_STEP = 64;

/** RGBA pixels of the page without the QR symbol, `width` × `height`, or a thrown error. */
export type PosterRasteriser = (svg: string, width: number, height: number) => Promise<Uint8Array>;

export interface PosterPngOptions {
  /** Where a render without text is reported. */
  log?: Pick<Logger, 'warn'>;
  /** Draws the page; the default is resvg with the bundled fonts. Tests pass a failing one. */
  rasterise?: PosterRasteriser;
}

/** The family name inside the font files (Noto Sans CJK SC 1.000, as @embedpdf/fonts-sc ships it). */
const FONT_FAMILY = 'Noto Sans S Chinese';
/** Weight 400 and 700; the poster's 600 (offer line) is drawn bold, as CSS font matching does. */
const FONT_FILES = ['NotoSansHans-Regular.otf', 'NotoSansHans-Bold.otf'];

let resvgRasteriser: Promise<PosterRasteriser> | undefined;

/** Paths of the font files the poster text is drawn with. Throws when the package is not installed. */
export function posterFontFiles(): string[] {
  const fontDir = join(dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc')), '..', 'fonts');
  return FONT_FILES.map((f) => join(fontDir, f));
}

/** resvg with the bundled fonts, loaded on first use; a failure is kept too (it would fail again). */
function defaultRasteriser(): Promise<PosterRasteriser> {
  resvgRasteriser ??= loadResvg();
  return resvgRasteriser;
}

async function loadResvg(): Promise<PosterRasteriser> {
  const { renderAsync } = createRequire(import.meta.url)('@resvg/resvg-js') as typeof ResvgJs;
  const fontFiles = posterFontFiles();
  for (const f of fontFiles) assertOpenType(f);
  // resvg 2.6 keeps no font database between renders: each render reads the two files again
  // (about 3 ms) but parses only the glyphs it draws. Missing fonts are no error to resvg, it
  // just leaves text out, hence the probe below.
  const options = (width: number): ResvgJs.ResvgRenderOptions => ({
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'width', value: width },
    background: '#FFFFFF',
    logLevel: 'off',
  });
  const probe = await renderAsync(
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><text x="0" y="28" font-size="32" font-family="sans-serif">海</text></svg>',
    options(32),
  );
  if (!hasInk(probe.pixels)) throw new Error(`resvg drew no text with ${fontFiles.join(', ')}`);
  return async (svg, width, height) => {
    const img = await renderAsync(svg, options(width));
    if (img.width !== width || img.height !== height) throw new Error(`resvg drew ${img.width}x${img.height}, not ${width}x${height}`);
    return img.pixels;
  };
}

/** Fails unless `file` starts like an OpenType font (CFF 'OTTO' or TrueType 0x00010000). */
function assertOpenType(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    const tag = head.readUInt32BE(0);
    if (tag !== 0x4f54544f && tag !== 0x00010000) throw new Error(`${file} is not an OpenType font`);
  } finally {
    closeSync(fd);
  }
}

/** Whether any pixel of an RGBA buffer is clearly darker than the white page. */
function hasInk(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! < 128) return true;
  return false;
}

type Rgb = readonly [number, number, number];
const BLACK: Rgb = [0, 0, 0];
const HAIRLINE: Rgb = [0xe5, 0xe5, 0xe5];
const hex = (h: string): Rgb => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

type Fill = (x0: number, y0: number, x1: number, y1: number, rgb: Rgb) => void;

function filler(png: PNG): Fill {
  const { width, height } = png;
  return (x0, y0, x1, y1, [r, g, b]) => {
    const xa = Math.max(0, Math.round(x0));
    const xb = Math.min(width, Math.round(x1));
    for (let y = Math.max(0, Math.round(y0)); y < Math.min(height, Math.round(y1)); y++) {
      for (let x = xa; x < xb; x++) {
        const i = (y * width + x) * 4;
        png.data[i] = r;
        png.data[i + 1] = g;
        png.data[i + 2] = b;
        png.data[i + 3] = 255;
      }
    }
  };
}

/** The page without text, for when the rasteriser is unavailable: accent bar, QR frame, divider. */
function drawPlainPage(png: PNG, fill: Fill, mm: number): void {
  png.data.fill(255);
  fill(0, 0, png.width, L.accentBarH * mm, hex(POSTER_ACCENT));
  const line = Math.max(1, Math.round(0.4 * mm));
  const fx0 = (L.qrBox.x - 2) * mm;
  const fy0 = (L.qrBox.y - 2) * mm;
  const fx1 = (L.qrBox.x + L.qrBox.size + 2) * mm;
  const fy1 = (L.qrBox.y + L.qrBox.size + 2) * mm;
  fill(fx0, fy0, fx1, fy0 + line, HAIRLINE);
  fill(fx0, fy1 - line, fx1, fy1, HAIRLINE);
  fill(fx0, fy0, fx0 + line, fy1, HAIRLINE);
  fill(fx1 - line, fy0, fx1, fy1, HAIRLINE);
  fill(10 * mm, L.dividerY * mm, (L.pageW - 10) * mm, L.dividerY * mm + Math.max(1, Math.round(0.3 * mm)), HAIRLINE);
}

/** The QR symbol centred in its box, each module a whole number of pixels square. */
function drawQr(fill: Fill, qr: QrMatrix, mm: number, module: number): void {
  const extent = qr.size + 2 * L.quietZone;
  const ox = Math.round(L.qrBox.x * mm + (L.qrBox.size * mm - module * extent) / 2) + L.quietZone * module;
  const oy = Math.round(L.qrBox.y * mm + (L.qrBox.size * mm - module * extent) / 2) + L.quietZone * module;
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.data[y * qr.size + x]) fill(ox + x * module, oy + y * module, ox + (x + 1) * module, oy + (y + 1) * module, BLACK);
    }
  }
}

/**
 * Renders the poster `width` px wide (height by the A5 ratio) with the texts of `poster` and the
 * QR of `poster.url`. Never fails for want of the fonts or the rasteriser: it then renders without
 * text and logs a warning.
 *
 * @throws QrOptionsError for a width outside 512..2048 or not a multiple of 64, or a `url` the QR
 *   encoder refuses.
 */
export async function renderPosterPng(poster: PosterInput, width: number, opts: PosterPngOptions = {}): Promise<Buffer> {
  if (!Number.isInteger(width) || width < POSTER_PNG_MIN || width > POSTER_PNG_MAX || width % POSTER_PNG_STEP !== 0) {
    throw new QrOptionsError('size', `海报宽度须为 ${POSTER_PNG_MIN} 到 ${POSTER_PNG_MAX} 之间 ${POSTER_PNG_STEP} 的倍数（像素）`);
  }
  const qr = encodeQr(poster.url, L.ecl);
  const mm = width / L.pageW;
  const height = Math.round(L.pageH * mm);
  const module = Math.floor((L.qrBox.size * mm) / (qr.size + 2 * L.quietZone));
  if (module < 2) throw new QrOptionsError('size', '海报宽度过小，二维码无法清晰显示');

  const png = new PNG({ width, height });
  const fill = filler(png);
  try {
    const rasterise = opts.rasterise ?? (await defaultRasteriser());
    png.data.set(await rasterise(await renderPosterSvg(poster, { qrSymbol: false }), width, height));
  } catch (e) {
    opts.log?.warn({ err: (e as Error).message, width }, 'poster PNG drawn without text: the font or the rasteriser could not be used');
    drawPlainPage(png, fill, mm);
  }
  drawQr(fill, qr, mm, module);
  // RGB without alpha, and the "up" filter: poster rows mostly repeat the row above, so the
  // filtered image is nearly all zeros and deflates fast (pngjs's adaptive filtering tries all five).
  return PNG.sync.write(png, { colorType: 2, filterType: 2 });
}

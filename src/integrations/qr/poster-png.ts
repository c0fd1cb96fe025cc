import { PNG } from 'pngjs';
import { POSTER_ACCENT, POSTER_LAYOUT as L } from './poster-svg.js';
import { QrOptionsError } from './qr-options.js';
import { encodeQr } from './qr-render.js';

/**
 * The channel poster as a PNG a phone can save to its album (WeChat's saveImageToPhotosAlbum
 * takes raster images only). Same page, accent bar, QR position and frame as the A5 SVG poster,
 * drawn pixel by pixel with pngjs. It carries no text: rasterising Chinese needs a CJK font and
 * a font rasteriser, which the project does not ship, so the mini-program shows the channel's
 * name beside the image and the printable SVG stays the poster with text.
 */

export const POSTER_PNG_MIN = 512;
export const POSTER_PNG_MAX = 2048;
export const POSTER_PNG_STEP = 64;

type Rgb = readonly [number, number, number];
const BLACK: Rgb = [0, 0, 0];
const HAIRLINE: Rgb = [0xe5, 0xe5, 0xe5];
const hex = (h: string): Rgb => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

/**
 * Renders the poster `width` px wide (height by the A5 ratio). Module edges fall on whole pixels
 * so the symbol stays crisp after the phone rescales it.
 *
 * @throws QrOptionsError for a width outside 512..2048 or not a multiple of 64, or a `url` the QR
 *   encoder refuses.
 */
export function renderPosterPng(url: string, width: number): Buffer {
  if (!Number.isInteger(width) || width < POSTER_PNG_MIN || width > POSTER_PNG_MAX || width % POSTER_PNG_STEP !== 0) {
    throw new QrOptionsError('size', `海报宽度须为 ${POSTER_PNG_MIN} 到 ${POSTER_PNG_MAX} 之间 ${POSTER_PNG_STEP} 的倍数（像素）`);
  }
  const qr = encodeQr(url, L.ecl);
  const mm = width / L.pageW;
  const height = Math.round(L.pageH * mm);
  const png = new PNG({ width, height });
  const fill = (x0: number, y0: number, x1: number, y1: number, [r, g, b]: Rgb) => {
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
  png.data.fill(255);
  fill(0, 0, width, L.accentBarH * mm, hex(POSTER_ACCENT));
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

  const extent = qr.size + 2 * L.quietZone;
  const module = Math.floor((L.qrBox.size * mm) / extent);
  if (module < 2) throw new QrOptionsError('size', '海报宽度过小，二维码无法清晰显示');
  const ox = Math.round(L.qrBox.x * mm + (L.qrBox.size * mm - module * extent) / 2) + L.quietZone * module;
  const oy = Math.round(L.qrBox.y * mm + (L.qrBox.size * mm - module * extent) / 2) + L.quietZone * module;
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.data[y * qr.size + x]) fill(ox + x * module, oy + y * module, ox + (x + 1) * module, oy + (y + 1) * module, BLACK);
    }
  }
  // RGB without alpha, and the "up" filter: poster rows mostly repeat the row above, so the
  // filtered image is nearly all zeros and deflates fast (pngjs's adaptive filtering tries all five).
  return PNG.sync.write(png, { colorType: 2, filterType: 2 });
}

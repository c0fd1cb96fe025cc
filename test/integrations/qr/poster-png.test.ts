import { readFileSync } from 'node:fs';
import test from 'ava';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { POSTER_CALL_TO_ACTION, posterFontFiles, QrOptionsError, renderPosterPng } from '../../../src/integrations/qr/index.js';
import { imageHasQr } from '../../../src/integrations/qr/qr-detect.js';
import { CONTACT_URL, POSTER, referenceModules } from './qr-fixtures.js';

/** Bands of the A5 page in millimetres (see SLOTS in poster-svg.ts): [top, bottom). */
const BAND = {
  title: [8, 33],
  offer: [35, 46],
  cta: [158, 169],
  placement: [173, 183],
  footer: [194, 203],
} as const;

interface Img {
  width: number;
  height: number;
  data: Buffer;
}

const read = (bytes: Buffer): Img => PNG.sync.read(bytes);
const decodeQr = (img: Img) => jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data;

/** The RGBA bytes of the rows of a band, the full page width. */
function band(img: Img, [top, bottom]: readonly [number, number]): Buffer {
  const mm = img.width / 148;
  return img.data.subarray(Math.round(top * mm) * img.width * 4, Math.round(bottom * mm) * img.width * 4);
}

/** Pixels of a band where `pick(r, g, b)` holds. */
function count(pixels: Buffer, pick: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pick(pixels[i]!, pixels[i + 1]!, pixels[i + 2]!)) n++;
  return n;
}
const dark = (r: number, g: number, b: number) => r < 100 && g < 100 && b < 100;
const notWhite = (r: number, g: number, b: number) => r < 250 || g < 250 || b < 250;

/**
 * Reads the QR symbol back from the pixels: the bounding box of black pixels inside the QR box
 * must be a whole number of pixels per module, every pixel in it pure black or pure white (no
 * anti-aliased edge), and each module uniform.
 */
function symbolOf(img: Img, size: number): { module: number; dark: number[]; grey: number } {
  const mm = img.width / 148;
  const [x0, x1, y0, y1] = [Math.round(24 * mm), Math.round(124 * mm), Math.round(50 * mm), Math.round(150 * mm)];
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -1, -1];
  let grey = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const v = img.data[(y * img.width + x) * 4]!;
      if (v !== 0 && v !== 255) grey++;
      if (v === 0) [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
    }
  }
  const module = (maxX - minX + 1) / size;
  if (!Number.isInteger(module) || maxY - minY + 1 !== module * size) throw new Error(`symbol ${maxX - minX + 1}x${maxY - minY + 1} px for ${size} modules`);
  const grid: number[] = [];
  for (let my = 0; my < size; my++) {
    for (let mx = 0; mx < size; mx++) {
      const first = img.data[((minY + my * module) * img.width + minX + mx * module) * 4]!;
      for (let y = 0; y < module; y++) {
        for (let x = 0; x < module; x++) {
          if (img.data[((minY + my * module + y) * img.width + minX + mx * module + x) * 4] !== first) throw new Error(`module ${mx},${my} is not uniform`);
        }
      }
      grid.push(first === 0 ? 1 : 0);
    }
  }
  return { module, dark: grid, grey };
}

for (const width of [512, 1024, 2048]) {
  test(`${width} px: an RGB PNG of A5 proportions whose crisp QR is exactly the symbol of the URL`, async (t) => {
    const bytes = await renderPosterPng(POSTER, width);
    t.is(bytes.readUInt32BE(16), width);
    t.is(bytes[24], 8, 'bit depth');
    t.is(bytes[25], 2, 'colour type RGB, no alpha');
    const img = read(bytes);
    t.is(img.width, width);
    t.is(img.height, Math.round((width * 210) / 148));
    t.is(decodeQr(img), CONTACT_URL);
    t.true(imageHasQr(bytes));
    const ref = referenceModules(CONTACT_URL, 'Q');
    const symbol = symbolOf(img, ref.size);
    t.deepEqual(symbol.dark, ref.dark);
    t.is(symbol.grey, 0, 'no grey pixel around the modules');
    t.true(symbol.module >= 2);
  });
}

test('the texts are drawn: title, offer (in red), call to action, placement and footer', async (t) => {
  const full = read(await renderPosterPng(POSTER, 1024));
  const bare = read(await renderPosterPng({ title: '', url: CONTACT_URL }, 1024));
  t.true(count(band(full, BAND.title), dark) > 2000, 'dark title glyphs');
  t.true(count(band(full, BAND.offer), (r, g, b) => r > 200 && g < 150 && b < 150) > 500, 'red offer line');
  for (const b of [BAND.placement, BAND.footer]) t.true(count(band(full, b), notWhite) > 300);
  // Nothing to say: the top of the page is white (the accent bar is above the band).
  t.is(count(band(bare, BAND.title), notWhite), 0);
  t.is(count(band(bare, BAND.offer), notWhite), 0);
  t.is(count(band(bare, BAND.placement), notWhite), 0);
  // The call to action is on every poster, text or not in the input.
  t.true(count(band(bare, BAND.cta), dark) > 1000);
  t.true(band(bare, BAND.cta).equals(band(full, BAND.cta)));
  t.is(POSTER_CALL_TO_ACTION, '微信扫码 添加专属顾问');
});

test('another channel name changes the title and nothing else', async (t) => {
  const a = read(await renderPosterPng(POSTER, 768));
  const b = read(await renderPosterPng({ ...POSTER, title: '夏季新品发布' }, 768));
  t.false(band(a, BAND.title).equals(band(b, BAND.title)));
  const rows = (img: Img, from: number) => img.data.subarray(Math.round(from * (768 / 148)) * 768 * 4);
  t.true(rows(a, 34).equals(rows(b, 34)), 'offer, QR and the rest are the same bytes');
});

/** What a character the fonts lack looks like: the .notdef box. */
const NOTDEF = '\uE000';

test('rare GB2312 hanzi, full-width punctuation and ASCII are real glyphs, not the .notdef box', async (t) => {
  const titleBand = async (title: string) => band(read(await renderPosterPng({ title, url: CONTACT_URL }, 512)), BAND.title);
  const notdef = await titleBand(NOTDEF);
  t.true(count(notdef, notWhite) > 0, 'the .notdef box is drawn, so the comparison means something');
  t.true(notdef.equals(await titleBand('\u{20000}')), 'a CJK Ext-B ideograph outside GB2312 is .notdef');
  for (const ch of ['齄', '鬯', '亍', '丌', '彧', '犭', '蠃', '（', '】', '￥', '@', 'g']) {
    const drawn = await titleBand(ch);
    t.true(count(drawn, notWhite) > 0, `${ch} has ink`);
    t.false(drawn.equals(notdef), `${ch} is not .notdef`);
  }
});

/** Unicode code points the cmap of an OpenType font maps (formats 4 and 12). */
function cmapOf(font: Buffer): Set<number> {
  const tables = new Map<string, number>();
  for (let i = 0; i < font.readUInt16BE(4); i++) tables.set(font.toString('latin1', 12 + 16 * i, 16 + 16 * i), font.readUInt32BE(20 + 16 * i));
  const cmap = tables.get('cmap')!;
  const mapped = new Set<number>();
  for (let i = 0; i < font.readUInt16BE(cmap + 2); i++) {
    const sub = cmap + font.readUInt32BE(cmap + 8 + 8 * i);
    if (font.readUInt16BE(sub) === 4) {
      const segX2 = font.readUInt16BE(sub + 6);
      for (let s = 0; s < segX2; s += 2) {
        const [end, start] = [font.readUInt16BE(sub + 14 + s), font.readUInt16BE(sub + 16 + segX2 + s)];
        for (let cp = start; cp <= end && cp !== 0xffff; cp++) mapped.add(cp);
      }
    } else if (font.readUInt16BE(sub) === 12) {
      for (let g = 0; g < font.readUInt32BE(sub + 12); g++) {
        for (let cp = font.readUInt32BE(sub + 16 + 12 * g); cp <= font.readUInt32BE(sub + 20 + 12 * g); cp++) mapped.add(cp);
      }
    }
  }
  return mapped;
}

test('both font files map every GB2312 hanzi, printable ASCII and the full-width punctuation', (t) => {
  const gb2312 = new TextDecoder('gb2312');
  const hanzi: string[] = [];
  // Level 1 (rows B0–D7, D7FA–D7FE unassigned) and level 2 (D8–F7).
  for (let hi = 0xb0; hi <= 0xf7; hi++) for (let lo = 0xa1; lo <= 0xfe; lo++) if (hi !== 0xd7 || lo <= 0xf9) hanzi.push(gb2312.decode(new Uint8Array([hi, lo])));
  t.is(hanzi.length, 6763);
  t.is(new Set(hanzi).size, 6763);
  const ascii = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
  const punctuation = [...'，。、；：？！…—·“”‘’（）【】《》〈〉「」『』〔〕～￥％＃＆＊＋－／＝＠'];
  const files = posterFontFiles();
  t.is(files.length, 2);
  for (const file of files) {
    const mapped = cmapOf(readFileSync(file));
    const missing = [...hanzi, ...ascii, ...punctuation, ...POSTER_CALL_TO_ACTION].filter((c) => !mapped.has(c.codePointAt(0)!));
    t.deepEqual(missing, [], file);
  }
});

test('without a usable rasteriser the poster comes without text, still scans, and a warning is logged', async (t) => {
  const warnings: unknown[][] = [];
  const log = { warn: (...args: unknown[]) => void warnings.push(args) };
  const bytes = await renderPosterPng(POSTER, 1024, {
    log: log as never,
    rasterise: async () => {
      throw new Error('no binary for this platform');
    },
  });
  const img = read(bytes);
  t.is(img.width, 1024);
  t.is(bytes[25], 2);
  t.is(decodeQr(img), CONTACT_URL);
  t.is(count(band(img, BAND.title), notWhite), 0);
  t.is(count(band(img, BAND.cta), notWhite), 0);
  t.true(count(band(img, [0, 6]), (r, g, b) => r === 0x07 && g === 0xc1 && b === 0x60) > 0, 'the accent bar is there');
  t.is(warnings.length, 1);
  t.like(warnings[0]![0], { err: 'no binary for this platform', width: 1024 });
});

test('a width off the 64 px grid or outside 512..2048 is refused', async (t) => {
  for (const width of [448, 500, 1000, 2112, 1024.5, Number.NaN]) {
    await t.throwsAsync(renderPosterPng(POSTER, width), { instanceOf: QrOptionsError }, String(width));
  }
  await t.throwsAsync(renderPosterPng({ ...POSTER, url: '' }, 1024), { instanceOf: QrOptionsError });
});

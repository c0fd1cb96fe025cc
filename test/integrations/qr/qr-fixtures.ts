import { inflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import type { PosterInput } from '../../../src/integrations/qr/index.js';

/**
 * Independent readers for what the QR module writes, so tests can check that an image shows the
 * exact module matrix `qrcode` computes for a text, without a QR decoder dependency: a symbol
 * whose every module matches the reference matrix decodes to the same text.
 */

export const CONTACT_URL = 'https://work.weixin.qq.com/ca/cawcde0123456789abcdef';

/** A poster with every text filled in, for the SVG and PNG poster tests. */
export const POSTER: PosterInput = {
  title: '春季会员招募',
  offer: '扫码领 20 元无门槛券',
  placement: '3号楼 · 电梯A',
  url: CONTACT_URL,
  footer: '思语旗舰店（国贸店）',
};

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The reference matrix, computed here straight from `qrcode` and not through our code. */
export function referenceModules(text: string, ecl: 'L' | 'M' | 'Q' | 'H'): { size: number; version: number; dark: number[] } {
  const qr = QRCode.create(text, { errorCorrectionLevel: ecl });
  return { size: qr.modules.size, version: qr.version, dark: Array.from(qr.modules.data, (v) => (v ? 1 : 0)) };
}

/**
 * Rebuilds the module grid from path data made of `M{x} {y}h{n}v1h-{n}z` runs (the only form the
 * renderer writes; anything else fails the parse), shifted back by `margin`.
 */
export function modulesFromPath(d: string, size: number, margin: number): number[] {
  const grid = new Array<number>(size * size).fill(0);
  const run = /M(\d+) (\d+)h(\d+)v1h-(\d+)z/gy;
  let consumed = 0;
  for (const m of d.matchAll(run)) {
    const [x, y, w, back] = m.slice(1).map(Number) as [number, number, number, number];
    if (w !== back) throw new Error(`run at ${x},${y} does not close`);
    for (let i = 0; i < w; i++) {
      const col = x - margin + i;
      const row = y - margin;
      if (col < 0 || row < 0 || col >= size || row >= size) throw new Error(`module ${col},${row} outside the symbol`);
      grid[row * size + col] = 1;
    }
    consumed += m[0].length;
  }
  if (consumed !== d.length) throw new Error('path data has commands the parser does not know');
  return grid;
}

/** The `d` attribute of the first `<path>` inside `svg`. */
export function firstPathData(svg: string): string {
  const d = /<path[^>]*\sd="([^"]*)"/.exec(svg)?.[1];
  if (d === undefined) throw new Error('no path in svg');
  return d;
}

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Luminance 0..255 of a pixel (the first channel; our PNGs are grey or black/white RGBA). */
  grey(x: number, y: number): number;
}

/**
 * A minimal PNG reader for 8-bit greyscale or RGBA images, non-interlaced: chunk walk, inflate of
 * the joined IDAT chunks, and the five row filters of the PNG spec (section 9).
 */
export function readPng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let offset = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  if (!ihdr) throw new Error('no IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8]!;
  const colorType = ihdr[9]!;
  const interlace = ihdr[12]!;
  const bpp = colorType === 0 ? 1 : colorType === 6 ? 4 : 0;
  if (bitDepth !== 8 || bpp === 0 || interlace !== 0) throw new Error(`unsupported PNG ${bitDepth}/${colorType}/${interlace}`);

  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? pixels[y * stride + i - bpp]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= bpp ? pixels[(y - 1) * stride + i - bpp]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      if (predictor === undefined) throw new Error(`bad filter ${filter}`);
      pixels[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return { width, height, bitDepth, colorType, grey: (x, y) => pixels[y * stride + x * bpp]! };
}

/**
 * Samples the centre of every module of a PNG QR that spans the whole image with `margin`
 * modules of quiet zone, as 1 (dark) or 0.
 */
export function modulesFromPng(png: DecodedPng, size: number, margin: number): number[] {
  const scale = png.width / (size + 2 * margin);
  const grid: number[] = [];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const x = Math.floor((margin + col + 0.5) * scale);
      const y = Math.floor((margin + row + 0.5) * scale);
      grid.push(png.grey(x, y) < 128 ? 1 : 0);
    }
  }
  return grid;
}

const TOKEN = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
const STRAY_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/**
 * A strict well-formedness check for the XML this module writes (elements, double-quoted
 * attributes, text, an optional XML declaration): tags nest and close, one root, and every `&`
 * starts an entity. Returns the root element's name; throws on anything else.
 */
export function checkXml(doc: string): string {
  const body = doc.replace(/^<\?xml [^?]*\?>\s*/, '');
  const open: string[] = [];
  let root: string | undefined;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < body.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(body);
    if (!m) throw new Error(`not well-formed at ${at}: ${body.slice(at, at + 40)}`);
    const [, closing, name, attrs, selfClosing, text] = m;
    if (text !== undefined) {
      if (open.length === 0 && text.trim() !== '') throw new Error('text outside the root');
      if (STRAY_AMPERSAND.test(text) || text.includes('>')) throw new Error(`unescaped text: ${text}`);
    } else if (closing) {
      if (open.pop() !== name) throw new Error(`</${name}> closes nothing`);
    } else {
      if (STRAY_AMPERSAND.test(attrs ?? '')) throw new Error(`unescaped attribute: ${attrs}`);
      if (open.length === 0) {
        if (root !== undefined) throw new Error('two roots');
        root = name;
      }
      if (!selfClosing) open.push(name!);
    }
  }
  if (open.length > 0 || root === undefined) throw new Error(`unclosed: ${open.join(' > ')}`);
  return root;
}

import jpeg from 'jpeg-js';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** Longest side scanned; larger images are sampled down first (a poster photo is often 4000 px). */
const MAX_SIDE = 1200;
const MAX_BYTES = 10 * 1024 * 1024;

/**
 * Whether a PNG or JPEG image contains a readable QR code (group anti-spam: a QR image from a
 * non-member is an ad). Unknown formats, oversized or broken images answer false, never throw.
 */
export function imageHasQr(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes.length > MAX_BYTES) return false;
  try {
    const img = decode(bytes);
    if (!img) return false;
    const { data, width, height } = downscale(img);
    return jsQR(data, width, height, { inversionAttempts: 'attemptBoth' }) !== null;
  } catch {
    // A corrupt image is simply not a QR code.
    return false;
  }
}

function decode(b: Buffer): { data: Uint8ClampedArray; width: number; height: number } | undefined {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const png = PNG.sync.read(b);
    return { data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    const j = jpeg.decode(b, { useTArray: true, maxMemoryUsageInMB: 256 });
    return { data: new Uint8ClampedArray(j.data.buffer, j.data.byteOffset, j.data.length), width: j.width, height: j.height };
  }
  return undefined;
}

function downscale(img: { data: Uint8ClampedArray; width: number; height: number }) {
  const scale = Math.max(img.width, img.height) / MAX_SIDE;
  if (scale <= 1) return img;
  const width = Math.floor(img.width / scale);
  const height = Math.floor(img.height / scale);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y * scale) * img.width;
    for (let x = 0; x < width; x++) {
      const s = (sy + Math.floor(x * scale)) * 4;
      const d = (y * width + x) * 4;
      data[d] = img.data[s]!;
      data[d + 1] = img.data[s + 1]!;
      data[d + 2] = img.data[s + 2]!;
      data[d + 3] = 255;
    }
  }
  return { data, width, height };
}

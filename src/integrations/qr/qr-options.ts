import { AppError } from '../../shared/errors.js';

export type QrFormat = 'png' | 'svg';
export type QrEcl = 'L' | 'M' | 'Q' | 'H';

export interface QrOptions {
  format: QrFormat;
  /** Width and height of the image in px (for SVG: its intrinsic width/height attributes). */
  size: number;
  /** Quiet zone around the symbol, in modules. */
  margin: number;
  /** Error-correction level: L 7%, M 15%, Q 25%, H 30% of the symbol may be damaged. */
  ecl: QrEcl;
}

export const QR_SIZE_MIN = 128;
export const QR_SIZE_MAX = 2048;
export const QR_MARGIN_MAX = 10;
/** Longest text `renderQr` accepts; a WeCom contact-way URL is about 60 characters. */
export const QR_TEXT_MAX = 1024;

export const QR_DEFAULTS: Readonly<QrOptions> = {
  format: 'png',
  size: 512,
  margin: 2,
  ecl: 'M',
};

/**
 * Bad caller input for a QR image: an option out of range, or a text that cannot be encoded.
 * It is an `AppError` with status 400, so the HTTP error middleware answers with `message`
 * (Simplified Chinese, safe to show) without any mapping in the route. `field` names the
 * offending parameter (`format`, `size`, `margin`, `ecl` or `text`).
 */
export class QrOptionsError extends AppError {
  readonly field: string;

  constructor(field: string, message: string, cause?: unknown) {
    super('QR.INVALID_OPTION', message, { status: 400, details: { field }, cause });
    this.name = 'QrOptionsError';
    this.field = field;
  }
}

const FORMATS: readonly QrFormat[] = ['png', 'svg'];
const ECLS: readonly QrEcl[] = ['L', 'M', 'Q', 'H'];
const DIGITS_RE = /^\d{1,6}$/;

/**
 * A query-string value is `undefined`, a string, or (when the key repeats) an array; programmatic
 * callers pass numbers. Absent and empty values both mean "use the default": an HTML form submits
 * an empty field as `size=`.
 */
function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function parseIntIn(field: string, v: unknown, min: number, max: number, fallback: number, message: string): number {
  if (isAbsent(v)) return fallback;
  let n: number;
  if (typeof v === 'number') n = v;
  // Only plain decimal digits: Number('0x200'), Number('1e3') and parseInt('512px') would all
  // accept something the caller did not mean.
  else if (typeof v === 'string' && DIGITS_RE.test(v.trim())) n = Number(v.trim());
  else throw new QrOptionsError(field, message);
  if (!Number.isInteger(n) || n < min || n > max) throw new QrOptionsError(field, message);
  return n;
}

function parseEnum<T extends string>(field: string, v: unknown, allowed: readonly T[], fallback: T, normalise: (s: string) => string, message: string): T {
  if (isAbsent(v)) return fallback;
  if (typeof v === 'string') {
    const s = normalise(v.trim());
    const hit = allowed.find((a) => a === s);
    if (hit !== undefined) return hit;
  }
  throw new QrOptionsError(field, message);
}

/**
 * Validates caller-chosen QR options, typically straight from a query string. Absent or empty
 * values take the defaults (png, 512 px, margin 2, ecl M); format and ecl are case-insensitive.
 * Numbers must be integers (`'512'` or `512`, not `'512.5'`, `'1e3'`, `NaN`). A repeated query
 * key (an array) is rejected rather than guessed at.
 *
 * @throws QrOptionsError naming the first bad field.
 */
export function parseQrOptions(raw: { format?: unknown; size?: unknown; margin?: unknown; ecl?: unknown }): QrOptions {
  return {
    format: parseEnum('format', raw.format, FORMATS, QR_DEFAULTS.format, (s) => s.toLowerCase(), '格式须为 png 或 svg'),
    size: parseIntIn('size', raw.size, QR_SIZE_MIN, QR_SIZE_MAX, QR_DEFAULTS.size,
      `尺寸须为 ${QR_SIZE_MIN} 到 ${QR_SIZE_MAX} 之间的整数（像素）`),
    margin: parseIntIn('margin', raw.margin, 0, QR_MARGIN_MAX, QR_DEFAULTS.margin,
      `边距须为 0 到 ${QR_MARGIN_MAX} 之间的整数（模块数）`),
    ecl: parseEnum('ecl', raw.ecl, ECLS, QR_DEFAULTS.ecl, (s) => s.toUpperCase(), '容错级别须为 L、M、Q 或 H'),
  };
}

import { encodeQr, qrPathData } from './qr-render.js';

/**
 * A printable A5 poster for one channel, as SVG in millimetres. The QR is vector paths (it stays
 * sharp at any print resolution), every text is a single centred line that is shrunk and then
 * truncated to fit, and nothing depends on time or randomness, so the same input gives the same
 * bytes (and the same ETag).
 */

export interface PosterInput {
  /** Channel name, the headline. */
  title: string;
  /** Offer line, e.g. '扫码领 20 元券'; empty or absent leaves the line out. */
  offer?: string;
  /** Where the poster hangs, e.g. '3号楼 · 电梯A'. */
  placement?: string;
  /** The text encoded in the QR (the channel's contact-way URL). */
  url: string;
  /** Small print at the bottom, e.g. the store name. */
  footer?: string;
}

export const POSTER_CALL_TO_ACTION = '微信扫码 添加专属顾问';

const PAGE_W = 148;
const PAGE_H = 210;
const CENTER_X = PAGE_W / 2;
const TEXT_W = PAGE_W - 2 * 10;
const QR_BOX = { x: 24, y: 50, size: 100 };
/** ISO/IEC 18004 asks for 4 modules of quiet zone; printed posters sit next to other artwork. */
const QR_QUIET_ZONE = 4;
/** Posters get scuffed, folded and photographed under glare: 25% error correction. */
const QR_ECL = 'Q';
/** The poster's geometry in millimetres, shared with the PNG rendering (poster-png.ts). */
export const POSTER_LAYOUT = { pageW: PAGE_W, pageH: PAGE_H, qrBox: QR_BOX, quietZone: QR_QUIET_ZONE, ecl: QR_ECL, accentBarH: 6, dividerY: 190 } as const;
const FONT_FAMILY = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif";
export const POSTER_ACCENT = '#07C160';
const ACCENT = POSTER_ACCENT;

/** A one-line text slot: baseline, font size range (mm), style. */
interface TextSlot {
  y: number;
  maxFont: number;
  minFont: number;
  weight: number;
  fill: string;
}

const SLOTS = {
  title: { y: 30, maxFont: 11, minFont: 7, weight: 700, fill: '#111111' },
  offer: { y: 43, maxFont: 7, minFont: 5, weight: 600, fill: '#FA5151' },
  cta: { y: 166, maxFont: 7.5, minFont: 5, weight: 700, fill: '#111111' },
  placement: { y: 180, maxFont: 5.5, minFont: 4.5, weight: 400, fill: '#576B95' },
  footer: { y: 200, maxFont: 4.5, minFont: 3.5, weight: 400, fill: '#888888' },
} satisfies Record<string, TextSlot>;

const graphemes = new Intl.Segmenter('zh', { granularity: 'grapheme' });
const ELLIPSIS = '…';
/** CJK ideographs, kana, Hangul, CJK and full-width punctuation: 1 em in every CJK font. */
const FULL_WIDTH = /^[\u2026\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]/;

/**
 * Upper bound of a grapheme's advance width in em for the CJK sans-serif fonts named above.
 * Without font metrics we err wide: CJK ideographs and full-width punctuation are exactly 1 em,
 * any other non-ASCII (Latin with accents, emoji, …) is taken as 1.2 em, and ASCII is bounded by
 * class (Arial, PingFang and YaHei, regular and bold: W 0.94, O 0.78, lowercase and digits
 * ≤ 0.61). The cost of erring is a little spare room, never an overflow.
 */
function emWidth(g: string): number {
  if (g.length !== 1 || g.charCodeAt(0) > 0x7e) return FULL_WIDTH.test(g) ? 1 : 1.2;
  if (g === ' ') return 0.35;
  if (/[MWmw@%]/.test(g)) return 1;
  if (/[A-Z&]/.test(g)) return 0.8;
  return 0.62;
}

/**
 * Control characters and characters XML 1.0 cannot carry at all (escaping does not help for
 * them), including unpaired surrogates, which would make the document unparsable.
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** One line of plain text: invalid characters dropped, any whitespace run (newlines too) one space. */
function cleanLine(s: unknown): string {
  if (typeof s !== 'string') return '';
  return s.replace(NOT_XML_CHAR, '').replace(/\s+/g, ' ').trim();
}

const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes for text and attribute values alike. */
function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

interface FittedLine {
  text: string;
  fontSize: number;
}

/**
 * Fits `text` on one line `width` mm wide: at the slot's largest font if it fits, else at the
 * largest size (0.1 mm steps) that fits down to the smallest, else truncated with '…' at the
 * smallest. Truncation is by grapheme so an emoji or a combining accent is never split.
 */
function fitLine(text: string, width: number, slot: TextSlot): FittedLine {
  const parts = Array.from(graphemes.segment(text), (s) => s.segment);
  const ems = parts.reduce((sum, g) => sum + emWidth(g), 0);
  if (ems * slot.maxFont <= width) return { text, fontSize: slot.maxFont };
  if (ems * slot.minFont <= width) return { text, fontSize: Math.floor((width / ems) * 10) / 10 };
  const budget = width / slot.minFont - emWidth(ELLIPSIS);
  let used = 0;
  let kept = 0;
  while (kept < parts.length && used + emWidth(parts[kept]!) <= budget) used += emWidth(parts[kept++]!);
  return { text: parts.slice(0, kept).join('').trimEnd() + ELLIPSIS, fontSize: slot.minFont };
}

function textLine(raw: unknown, slot: TextSlot): string | undefined {
  const text = cleanLine(raw);
  if (text === '') return undefined;
  const fit = fitLine(text, TEXT_W, slot);
  return (
    `<text x="${CENTER_X}" y="${slot.y}" font-size="${fit.fontSize}" font-weight="${slot.weight}" ` +
    `fill="${slot.fill}" text-anchor="middle">${escapeXml(fit.text)}</text>`
  );
}

/** How the poster is drawn; the defaults give the printable poster. */
export interface PosterSvgOptions {
  /**
   * false leaves the QR symbol out (its frame stays): the PNG poster rasterises the rest of the
   * page from this SVG and draws the symbol itself with module edges on whole pixels.
   */
  qrSymbol?: boolean;
}

/**
 * Renders the poster: title, offer line, the QR of `url` (about 10 cm square), the call to
 * action, placement label and footer. Empty optional fields are left out; the layout does not
 * move, so posters of one batch line up.
 *
 * @throws QrOptionsError (field `text`) when `url` is empty or too long to encode.
 */
export async function renderPosterSvg(p: PosterInput, opts: PosterSvgOptions = {}): Promise<string> {
  const qr = encodeQr(p.url, QR_ECL);
  const extent = qr.size + 2 * QR_QUIET_ZONE;
  const symbol = [
    // A nested viewport maps modules to millimetres without rounding module coordinates.
    `<svg x="${QR_BOX.x}" y="${QR_BOX.y}" width="${QR_BOX.size}" height="${QR_BOX.size}" viewBox="0 0 ${extent} ${extent}">`,
    `<path fill="#000000" d="${qrPathData(qr, QR_QUIET_ZONE)}"/>`,
    '</svg>',
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_W}mm" height="${PAGE_H}mm" ` +
      `viewBox="0 0 ${PAGE_W} ${PAGE_H}" font-family="${escapeXml(FONT_FAMILY)}">`,
    `<rect width="${PAGE_W}" height="${PAGE_H}" fill="#FFFFFF"/>`,
    `<rect width="${PAGE_W}" height="6" fill="${ACCENT}"/>`,
    textLine(p.title, SLOTS.title),
    textLine(p.offer, SLOTS.offer),
    // A hairline frame just outside the quiet zone, so it never touches the symbol.
    `<rect x="${QR_BOX.x - 2}" y="${QR_BOX.y - 2}" width="${QR_BOX.size + 4}" height="${QR_BOX.size + 4}" ` +
      `rx="3" fill="none" stroke="#E5E5E5" stroke-width="0.4"/>`,
    ...(opts.qrSymbol === false ? [] : symbol),
    textLine(POSTER_CALL_TO_ACTION, SLOTS.cta),
    textLine(p.placement, SLOTS.placement),
    `<line x1="10" y1="190" x2="${PAGE_W - 10}" y2="190" stroke="#E5E5E5" stroke-width="0.3"/>`,
    textLine(p.footer, SLOTS.footer),
    '</svg>',
  ];
  return lines.filter((l) => l !== undefined).join('\n') + '\n';
}

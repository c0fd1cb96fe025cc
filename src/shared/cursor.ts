import { createHash } from 'node:crypto';
import { badRequest } from './errors.js';

/**
 * Opaque keyset cursors for deep pages. A cursor names the list, the filters it was made for and
 * the sort key of the last row sent; the next page starts strictly after that key, so rows
 * inserted meanwhile neither repeat nor push rows off (which OFFSET does), and a deep page costs
 * what the first one does.
 *
 * The check digest catches a cursor edited or cut by hand, or replayed with other filters. It is
 * not a secret: a forged cursor can only start a page elsewhere in the caller's own scope, which
 * every query applies regardless.
 */
const VERSION = 1;

const digest = (payload: string) => createHash('sha256').update(`siyu-cursor|${payload}`).digest('base64url').slice(0, 12);

/** A short, stable fingerprint of the filters a cursor belongs to (undefined values ignored). */
export function filterKey(filters: Record<string, unknown>): string {
  const canon = Object.entries(filters)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(canon)).digest('base64url').slice(0, 10);
}

export function encodeCursor(list: string, filters: string, key: readonly number[]): string {
  const payload = Buffer.from(JSON.stringify([VERSION, list, filters, ...key])).toString('base64url');
  return `${payload}.${digest(payload)}`;
}

export const badCursor = () => badRequest('PAGE.BAD_CURSOR', '翻页游标无效或已过期，请从第一页重新加载');

/** The sort key a cursor carries, or 400 PAGE.BAD_CURSOR when it is not one of ours for this list and these filters. */
export function decodeCursor(list: string, filters: string, raw: string, keyLength: number): number[] {
  const [payload, check, extra] = raw.split('.');
  if (!payload || !check || extra !== undefined || digest(payload) !== check) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 + keyLength || parsed[0] !== VERSION || parsed[1] !== list || parsed[2] !== filters) throw badCursor();
  const key = parsed.slice(3);
  if (!key.every((k) => Number.isSafeInteger(k))) throw badCursor();
  return key as number[];
}

/**
 * Lists count matching rows up to this many: past it, `total` reads 10000 and `totalCapped` is
 * true (clients show 「10000+」). An exact count of a million-row selection costs seconds on
 * every page, and nobody scrolls ten thousand rows on a phone; the reports count exactly.
 */
export const LIST_COUNT_CAP = 10_000;

/** A page request: by offset (kept for old clients) or by the previous page's cursor. */
export interface PageRequest {
  limit: number;
  offset: number;
  cursor?: string;
}

export function noOffsetWithCursor(p: { offset: number; cursor?: string }): void {
  if (p.cursor !== undefined && p.offset > 0) throw badRequest('PAGE.CURSOR_WITH_OFFSET', '按游标翻页时不能同时指定 offset');
}

/** The page envelope: total (exact up to the cap), whether it was capped, and the next page's cursor (null on the last). */
export const pageOf = <T>(items: T[], counted: number, cap: number, next: () => string | null) => ({
  items,
  total: Math.min(counted, cap),
  totalCapped: counted > cap,
  nextCursor: next(),
});

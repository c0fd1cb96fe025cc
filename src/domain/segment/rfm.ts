/**
 * RFM scoring, pure. Scored customers are those with at least one order who are not merged
 * into another record; scores are relative to the other scored customers of the same store.
 *
 * - Recency: whole days since the last purchase (floor((now − last_purchase_at) / 24 h)); fewer
 *   days is better. Frequency: order_count; monetary: total_spent_fen; more is better.
 * - Score 1–5 by quintile: score = 1 + floor(5 × w / n), where n is the number of scored
 *   customers in the store and w the number of them with a strictly worse value. Ties share a
 *   score (the one the first of the tie would get), so equal values never split across scores
 *   and the result does not depend on ids; a large tie (e.g. most customers have one order)
 *   all get the low score, and the quintiles above it are then smaller or empty.
 * - "High" means score ≥ 3 (the top three quintiles). The eight segments follow from
 *   R/F/M high-low; M decides 重要 (important) or 一般 (general).
 *
 * The store computes the same thing in SQL (RANK() over the store); {@link quintileScores} is
 * the reference it is tested against.
 */
export const DAY_MS = 86_400_000;
export const HIGH_SCORE = 3;

export const SEGMENTS = [
  { code: 'important_value', label: '重要价值客户', r: true, f: true, m: true },
  { code: 'important_develop', label: '重要发展客户', r: true, f: false, m: true },
  { code: 'important_keep', label: '重要保持客户', r: false, f: true, m: true },
  { code: 'important_retain', label: '重要挽留客户', r: false, f: false, m: true },
  { code: 'general_value', label: '一般价值客户', r: true, f: true, m: false },
  { code: 'general_develop', label: '一般发展客户', r: true, f: false, m: false },
  { code: 'general_keep', label: '一般保持客户', r: false, f: true, m: false },
  { code: 'general_retain', label: '一般挽留客户', r: false, f: false, m: false },
] as const;

export type Segment = (typeof SEGMENTS)[number]['code'];
export type SegmentCounts = Record<Segment, number>;

const byCode = new Map<string, (typeof SEGMENTS)[number]>(SEGMENTS.map((s) => [s.code, s]));

export const isSegment = (s: unknown): s is Segment => typeof s === 'string' && byCode.has(s);
export const segmentLabel = (s: Segment): string => byCode.get(s)!.label;

export function segmentOf(r: number, f: number, m: number): Segment {
  const hi = (x: number) => x >= HIGH_SCORE;
  return SEGMENTS.find((s) => s.r === hi(r) && s.f === hi(f) && s.m === hi(m))!.code;
}

export const emptyCounts = (): SegmentCounts => Object.fromEntries(SEGMENTS.map((s) => [s.code, 0])) as SegmentCounts;

export function recencyDays(now: number, lastPurchaseAt: number): number {
  return Math.floor((now - lastPurchaseAt) / DAY_MS);
}

/** Quintile scores (1–5) of `values`, in input order; see the module comment for ties. */
export function quintileScores(values: readonly number[], better: 'higher' | 'lower'): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  // Strictly worse = strictly smaller (higher is better) or strictly larger (lower is better).
  const lowerBound = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const upperBound = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return values.map((v) => {
    const worse = better === 'higher' ? lowerBound(v) : n - upperBound(v);
    return 1 + Math.floor((5 * worse) / n);
  });
}

export interface RfmInput {
  customerId: number;
  lastPurchaseAt: number;
  orderCount: number;
  totalSpentFen: number;
}

export interface RfmScore {
  customerId: number;
  r: number;
  f: number;
  m: number;
  segment: Segment;
}

/** Scores one store's customers in memory: the reference for the SQL in the store. */
export function scoreStore(now: number, customers: readonly RfmInput[]): RfmScore[] {
  const r = quintileScores(customers.map((c) => recencyDays(now, c.lastPurchaseAt)), 'lower');
  const f = quintileScores(customers.map((c) => c.orderCount), 'higher');
  const m = quintileScores(customers.map((c) => c.totalSpentFen), 'higher');
  return customers.map((c, i) => ({ customerId: c.customerId, r: r[i]!, f: f[i]!, m: m[i]!, segment: segmentOf(r[i]!, f[i]!, m[i]!) }));
}

/**
 * Confidence intervals for proportions and their differences, so a rate or a lift is never
 * shown without how sure it is. Pure functions, no dependencies.
 */

/** The normal quantile for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval (without continuity correction) of x successes in n trials; undefined
 * when n is 0 (no rate to speak of). Stays inside [0, 1] and behaves at x = 0 and x = n, where
 * the textbook ±z·√(p(1−p)/n) collapses to a point.
 */
export function wilsonInterval(x: number, n: number, z = Z95): Interval | undefined {
  checkCounts(x, n);
  if (n === 0) return undefined;
  const p = x / n;
  const z2 = z * z;
  const centre = 2 * n * p + z2;
  const spread = z * Math.sqrt(z2 + 4 * n * p * (1 - p));
  const denom = 2 * (n + z2);
  return { low: clamp01((centre - spread) / denom), high: clamp01((centre + spread) / denom) };
}

export interface Difference extends Interval {
  /** p1 − p2. */
  difference: number;
}

/**
 * The difference p1 − p2 of two independent proportions (x1/n1 and x2/n2) with its 95%
 * interval by Newcombe's hybrid score method (method 10 of Newcombe 1998, "Interval estimation
 * for the difference between independent proportions", Stat Med 17:873–890): the Wilson
 * intervals of each proportion combined by the square-and-add rule. Good coverage for small
 * groups, where the Wald interval is far too narrow. Undefined when either group is empty.
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = Z95): Difference | undefined {
  const a = wilsonInterval(x1, n1, z);
  const b = wilsonInterval(x2, n2, z);
  if (!a || !b) return undefined;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  return {
    difference: d,
    low: Math.max(-1, d - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2)),
    high: Math.min(1, d + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2)),
  };
}

export type Verdict = 'higher' | 'lower' | 'unclear' | 'no_data';

/** A lift as people should read it: the difference, its interval, and what can be said. */
export interface LiftEstimate {
  /** p1 − p2 rounded to 4 places; null when a group is empty. */
  lift: number | null;
  /** The 95% interval, rounded to 4 places; null when a group is empty. */
  ci95: Interval | null;
  verdict: Verdict;
  /** One line in plain Chinese for the report. */
  note: string;
}

/** Above this width an interval that contains 0 says "too few people", below it "no real difference". */
const WIDE = 0.1;

/**
 * The lift of a treated group over a comparison group (converted / entered in each), with
 * Newcombe's interval and a note: when the interval contains 0 the data cannot tell whether the
 * treatment helped, and the note says so instead of a number that looks like a finding.
 */
export function liftEstimate(treated: { converted: number; n: number }, control: { converted: number; n: number }): LiftEstimate {
  const d = newcombeDifference(treated.converted, treated.n, control.converted, control.n);
  if (!d) return { lift: null, ci95: null, verdict: 'no_data', note: treated.n === 0 ? '没有触达组，无法计算提升' : '没有对照组，无法计算提升' };
  const ci95 = { low: round4(d.low), high: round4(d.high) };
  const lift = round4(d.difference);
  if (d.low > 0) return { lift, ci95, verdict: 'higher', note: '触达组转化率高于对照组（95% 置信）' };
  if (d.high < 0) return { lift, ci95, verdict: 'lower', note: '触达组转化率低于对照组（95% 置信）' };
  return { lift, ci95, verdict: 'unclear', note: d.high - d.low > WIDE ? '样本太少，尚不能判断' : '两组差别在误差范围内，看不出效果' };
}

/** A rate with its Wilson interval (rounded to 4 places); nulls when nobody is counted. */
export function rateEstimate(x: number, n: number): { rate: number | null; ci95: Interval | null } {
  const w = wilsonInterval(x, n);
  return w ? { rate: round4(x / n), ci95: { low: round4(w.low), high: round4(w.high) } } : { rate: null, ci95: null };
}

/** "提升 33.3 个百分点（95% 区间 −20.1 ~ 70.2）样本太少，尚不能判断" for reports read by people. */
export function describeLift(e: LiftEstimate): string {
  if (e.lift === null || !e.ci95) return e.note;
  const pp = (v: number) => (v * 100).toFixed(1);
  return `提升 ${pp(e.lift)} 个百分点（95% 区间 ${pp(e.ci95.low)} ~ ${pp(e.ci95.high)}）${e.verdict === 'higher' ? '' : `，${e.note}`}`;
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function checkCounts(x: number, n: number): void {
  if (!Number.isInteger(x) || !Number.isInteger(n) || n < 0 || x < 0 || x > n) throw new RangeError(`counts must be integers with 0 <= x <= n, got ${x}/${n}`);
}

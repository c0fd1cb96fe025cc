import type { Segment } from './rfm.js';
import { liftEstimate, type Interval, type Verdict } from '../../shared/proportions.js';

export type Arm = 'treated' | 'holdout';
export const ARMS: readonly Arm[] = ['treated', 'holdout'];
export const DEFAULT_HOLDOUT_PCT = 0.1;

/**
 * Splits one run's customers into a random holdout of exactly round(n × pct) customers and the
 * treated rest (partial Fisher–Yates with the given rng, so tests can seed it). Input order is
 * kept within each arm. Holdout customers are recorded like treated ones but get no touch.
 */
export function assignHoldout<T>(customers: readonly T[], pct = DEFAULT_HOLDOUT_PCT, rng: () => number = Math.random): { treated: T[]; holdout: T[] } {
  if (!(pct >= 0 && pct <= 1)) throw new RangeError(`holdout pct must be within [0, 1], got ${pct}`);
  const n = customers.length;
  const k = Math.round(n * pct);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const held = new Set(idx.slice(0, k));
  const treated: T[] = [];
  const holdout: T[] = [];
  customers.forEach((c, i) => (held.has(i) ? holdout : treated).push(c));
  return { treated, holdout };
}

export interface ArmCounts {
  segment: Segment | null;
  arm: Arm;
  entered: number;
  converted: number;
}

export interface LiftReport {
  conversionDays: number;
  arms: Array<ArmCounts & { rate: number | null }>;
  /** Per segment and over all segments (segment null = overall): treated rate − holdout rate. */
  lift: Array<{
    segment: Segment | 'all' | null;
    treatedRate: number | null;
    holdoutRate: number | null;
    lift: number | null;
    /** Newcombe's 95% interval of the lift (null when an arm is empty). */
    ci95: Interval | null;
    /** Whether the interval shows an effect; 'unclear' when it contains 0. */
    verdict: Verdict;
    /** What can be said, in Chinese (e.g. 样本太少，尚不能判断). */
    note: string;
  }>;
}

const rate = (converted: number, entered: number) => (entered > 0 ? converted / entered : null);
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/** Conversion rate per arm and segment, and the lift of treatment over the holdout. */
export function liftReport(counts: readonly ArmCounts[], conversionDays: number): LiftReport {
  const arms = counts.map((c) => ({ ...c, rate: rate(c.converted, c.entered) }));
  const segments = [...new Set(counts.map((c) => c.segment))];
  const sum = (rows: readonly ArmCounts[], arm: Arm) => {
    const mine = rows.filter((r) => r.arm === arm);
    return { converted: mine.reduce((a, r) => a + r.converted, 0), n: mine.reduce((a, r) => a + r.entered, 0) };
  };
  const line = (segment: Segment | 'all' | null, rows: readonly ArmCounts[]) => {
    const t = sum(rows, 'treated');
    const h = sum(rows, 'holdout');
    const treatedRate = rate(t.converted, t.n);
    const holdoutRate = rate(h.converted, h.n);
    const { ci95, verdict, note } = liftEstimate(t, h);
    return { segment, treatedRate, holdoutRate, lift: diff(treatedRate, holdoutRate), ci95, verdict, note };
  };
  return {
    conversionDays,
    arms,
    lift: [...segments.map((s) => line(s, counts.filter((c) => c.segment === s))), line('all', counts)],
  };
}

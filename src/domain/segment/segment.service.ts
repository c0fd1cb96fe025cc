import { badRequest, notFound } from '../../shared/errors.js';
import type { QueryScope } from '../access/access.js';
import { liftReport, type LiftReport } from './reactivation.js';
import { SEGMENTS, emptyCounts, segmentLabel, type Segment, type SegmentCounts } from './rfm.js';
import type { LiftScope, ReactivationRepo, RfmRepo, SegmentMove } from './segment.ports.js';

export interface StoreDistribution {
  storeId: number;
  customers: number;
  segments: Array<{ segment: Segment; label: string; customers: number; share: number }>;
}

const distribution = (storeId: number, counts: SegmentCounts): StoreDistribution => {
  const total = SEGMENTS.reduce((a, s) => a + counts[s.code], 0);
  return {
    storeId,
    customers: total,
    segments: SEGMENTS.map((s) => ({ segment: s.code, label: s.label, customers: counts[s.code], share: total ? Math.round((counts[s.code] / total) * 10000) / 10000 : 0 })),
  };
};

/** Reports over RFM segments and reactivation: what the admin API shows. */
export class SegmentService {
  constructor(private readonly d: { rfm: RfmRepo; reactivation: ReactivationRepo }) {}

  /** Current segment distribution per store (all eight segments, zeros included). */
  async distribution(storeId?: number): Promise<StoreDistribution[]> {
    const byStore = new Map<number, SegmentCounts>();
    if (storeId !== undefined) byStore.set(storeId, emptyCounts());
    for (const c of await this.d.rfm.countSegments(storeId)) {
      let counts = byStore.get(c.storeId);
      if (!counts) byStore.set(c.storeId, (counts = emptyCounts()));
      counts[c.segment] += c.customers;
    }
    return [...byStore].sort((a, b) => a[0] - b[0]).map(([id, counts]) => distribution(id, counts));
  }

  /**
   * Movement between two runs: from-segment → to-segment counts, including those who stayed
   * (from = to, derived from the first run's stored counts), those who entered scoring
   * (from null) and those who left it (to null).
   */
  async movement(q: { fromRun: number; toRun: number; storeId?: number }): Promise<{ fromRun: number; toRun: number; storeId?: number; moves: Array<SegmentMove & { fromLabel: string | null; toLabel: string | null }> }> {
    if (q.fromRun >= q.toRun) throw badRequest('SEGMENT.BAD_RUNS', '起始批次须早于结束批次');
    const [a, b] = await Promise.all([this.d.rfm.findRun(q.fromRun), this.d.rfm.findRun(q.toRun)]);
    if (!a?.counts || !b?.counts) throw notFound('SEGMENT.RUN_NOT_FOUND', '找不到已完成的 RFM 批次');
    const changed = await this.d.rfm.countMoves(q.fromRun, q.toRun, q.storeId);
    const atStart = q.storeId === undefined ? a.counts.total : (a.counts.byStore[String(q.storeId)] ?? emptyCounts());
    const stayed = { ...atStart };
    for (const m of changed) if (m.from && m.from !== m.to) stayed[m.from] -= m.customers;
    const moves = new Map<string, SegmentMove>();
    for (const s of SEGMENTS) if (stayed[s.code] > 0) moves.set(`${s.code}>${s.code}`, { from: s.code, to: s.code, customers: stayed[s.code] });
    for (const m of changed) {
      if (m.from !== null && m.from === m.to) continue; // already inside `stayed`
      moves.set(`${m.from}>${m.to}`, m);
    }
    return {
      fromRun: q.fromRun,
      toRun: q.toRun,
      ...(q.storeId === undefined ? {} : { storeId: q.storeId }),
      moves: [...moves.values()].map((m) => ({ ...m, fromLabel: m.from && segmentLabel(m.from), toLabel: m.to && segmentLabel(m.to) })),
    };
  }

  /** Conversion per arm and segment and the lift of the treated arm over the holdout. */
  async measureLift(scope: LiftScope, conversionDays = 14, within?: QueryScope): Promise<LiftReport> {
    if (!(Number.isInteger(conversionDays) && conversionDays > 0)) throw badRequest('SEGMENT.BAD_WINDOW', '转化窗口天数须为正整数');
    return liftReport(await this.d.reactivation.countConversions(scope, conversionDays, within), conversionDays);
  }
}

import { AppError, badRequest, isAppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { liftEstimate, wilsonInterval } from '../../shared/proportions.js';
import { DAY_MS, shanghaiDay, shanghaiMidnightOf, shanghaiMinuteOfDay } from '../../shared/shanghai-time.js';
import { canEditJourney, canSeeJourney, hidden, queryScope, requirePermission, requireStoreScope, requireVisible, type Principal, type QueryScope } from '../access/access.js';
import type { JourneyService } from '../journey/journey.service.js';
import type { Journey, Step } from '../journey/journey.types.js';
import type { FunnelService } from '../report/funnel.service.js';
import { npsOf } from '../report/nps.js';
import { SEGMENTS, segmentLabel } from '../segment/rfm.js';
import type { SegmentService } from '../segment/segment.service.js';
import type { AuditRepo, CustomerFilter, MpRepo, OrderExportRepo } from './mp.ports.js';
import { csvDocument, EXACT_COUNT, EXPORT_BATCH, EXPORT_ROW_CAP, nameCache, type Batch, type CsvExport } from './csv-export.js';
import type { MpService } from './mp.service.js';
import type { JourneyEffect, MpReportRepo, Period } from './mp-reports.ports.js';
import { stageLabel } from '../customer/stage-labels.js';
import { orderSourceLabel, orderStatusLabel, posKeys } from '../order/order-labels.js';

/** A name for an id or userid; an unknown one reads 「未知」 and none reads empty. */
const nameOr = <K>(names: Map<K, string>, k: K | null): string => (k === null ? '' : (names.get(k) ?? '未知'))

export { EXPORT_ROW_CAP } from './csv-export.js';
/** Days after a touch (journeys) or an entry (reactivation) in which an order counts as converted. */
export const CONVERSION_DAYS = 14;
const DEFAULT_PERIOD_DAYS = 30;

const forbidden = (message = '当前角色无权执行此操作') => new AppError('MP.FORBIDDEN', message, { status: 403 });
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : null);
/** A rate's 95% interval, rounded like the rates; null without anyone counted (or counts that do not nest). */
const interval = (a: number, b: number) => {
  const i = a <= b ? wilsonInterval(a, b) : undefined;
  return i ? { low: Math.round(i.low * 10000) / 10000, high: Math.round(i.high * 10000) / 10000 } : null;
};

/** YYYY-MM-DD of the Asia/Shanghai day `ms` falls on. */
export function shanghaiDate(ms: number): string {
  const d = String(shanghaiDay(ms));
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/** "YYYY-MM-DD HH:mm" in Asia/Shanghai, for spreadsheets. */
function shanghaiDateTime(ms: number): string {
  const m = shanghaiMinuteOfDay(ms);
  return `${shanghaiDate(ms)} ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export interface DayPeriod extends Period {
  fromDay: string;
  toDay: string;
}

/** Inclusive Asia/Shanghai days; both absent: the last 30 days up to today. */
export function dayPeriod(from: string | undefined, to: string | undefined, now: number): DayPeriod {
  const toDay = to ?? shanghaiDate(now);
  const fromDay = from ?? shanghaiDate(shanghaiMidnightOf(toDay) - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS);
  const start = shanghaiMidnightOf(fromDay);
  const end = shanghaiMidnightOf(toDay) + DAY_MS;
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw badRequest('MP.BAD_DATE', '日期格式应为 YYYY-MM-DD');
  if (end <= start) throw badRequest('MP.BAD_RANGE', '结束日期不能早于开始日期');
  if (end - start > 366 * DAY_MS) throw badRequest('MP.RANGE_TOO_LONG', '查询范围最长一年');
  return { from: start, to: end, fromDay, toDay };
}

export type StepEdit = { id: number; delayMinutes?: number; templateText?: string };

/**
 * Journeys, reports, exports and the audit log of the store operators' mini-program, over the
 * existing journey, funnel and segment services. Scoping, decided per report:
 *
 * - Journeys are global (storeId null) or a store's. Everyone sees the global ones and their
 *   own store's (HQ all); another store's journey is 404. Enabling, disabling and editing is
 *   for HQ (any journey) and a store manager (their store's journeys only: a global journey
 *   runs for every store, so changing it is 403 for them); reps may only look (403).
 *   Numbers on journeys are counted within the caller's scope (store, or the rep's customers).
 * - Funnel: HQ every channel (or one store's with storeId), a manager their store's channels,
 *   a rep the channels that route to them (channel-level counts: the funnel is not
 *   per customer before the add).
 * - Journey effect, reactivation lift, NPS, RFM, LTV: counted over customers, so a rep gets
 *   their own customers' numbers, a manager their store's, HQ all (or one store with storeId).
 * - A storeId other than one's own is 404 for managers and reps (ids reveal nothing).
 * - CSV exports: HQ and managers (403 for reps), within their scope, audited with the row
 *   count; the audit log: HQ only.
 */
export class MpReportService {
  constructor(
    private readonly d: {
      repo: MpReportRepo;
      journeys: JourneyService;
      funnel: FunnelService;
      segments: SegmentService;
      /** The mini-program's customer list (same filters and masking as GET /customers). */
      customers: Pick<MpService, 'listCustomers'>;
      /** Orders for the CSV export, by key. */
      orderExports: OrderExportRepo;
      placements: Pick<MpRepo, 'findCustomerPlacement'>;
      audit: AuditRepo;
      storeExists(id: number): Promise<boolean>;
      clock: Clock;
    },
  ) {}

  /** The caller's scope, or one store of it (HQ: any existing store; others: only their own, else 404). */
  async scope(p: Principal, storeId?: number): Promise<QueryScope> {
    return (await requireStoreScope(p, storeId, this.d.storeExists)).scope;
  }

  private async visibleJourney(p: Principal, id: number): Promise<Journey> {
    const j = await this.d.journeys.get(id).catch((e: unknown) => {
      if (isAppError(e) && e.code === 'JOURNEY.NOT_FOUND') return undefined;
      throw e;
    });
    if (!j || !canSeeJourney(p, j)) throw hidden();
    return j;
  }

  /** Whether the caller may enable, disable and edit this (visible) journey. */
  canEdit(p: Principal, j: Journey): boolean {
    return canEditJourney(p, j);
  }

  private async effects(p: Principal, period?: Period): Promise<Map<number, JourneyEffect>> {
    return new Map((await this.d.repo.journeyEffects(queryScope(p), period, CONVERSION_DAYS)).map((e) => [e.journeyId, e]));
  }

  async listJourneys(p: Principal): Promise<Array<{ journey: Journey; stats: JourneyEffect; canEdit: boolean }>> {
    const all = (await this.d.journeys.list()).filter((j) => canSeeJourney(p, j));
    const effects = await this.effects(p);
    return all.map((j) => ({ journey: j, stats: effects.get(j.id) ?? emptyEffect(j.id), canEdit: this.canEdit(p, j) }));
  }

  async journey(p: Principal, id: number): Promise<{ journey: Journey; stats: JourneyEffect; canEdit: boolean }> {
    const j = await this.visibleJourney(p, id);
    return { journey: j, stats: (await this.effects(p)).get(j.id) ?? emptyEffect(j.id), canEdit: this.canEdit(p, j) };
  }

  private async editable(p: Principal, id: number): Promise<Journey> {
    requirePermission(p, 'journey.edit');
    const j = await this.visibleJourney(p, id);
    if (!this.canEdit(p, j)) throw forbidden('总部旅程只能由总部修改');
    return j;
  }

  /**
   * Disabling stops the journey at once: runs in it exit at their next step and touches not
   * yet delivered are skipped (journey_disabled). Enabling lets new triggers in again.
   */
  async setEnabled(p: Principal, id: number, enabled: boolean) {
    await this.editable(p, id);
    await this.d.journeys.edit(id, { enabled });
    return this.journey(p, id);
  }

  /**
   * Changes only wait durations and message texts (step ids are positions, so the shape of the
   * journey cannot change here). Runs already waiting keep the time they were given when they
   * entered the wait, and touches already created keep their text: an edit applies to the
   * steps runs reach after it (within a few seconds: the engine caches journeys briefly).
   */
  async editSteps(p: Principal, id: number, edits: StepEdit[]) {
    const j = await this.editable(p, id);
    const steps: Step[] = [...j.steps];
    const seen = new Set<number>();
    for (const e of edits) {
      const at = `第 ${e.id + 1} 步`;
      if (seen.has(e.id)) throw badRequest('MP.STEP_DUPLICATE', `${at}重复`);
      seen.add(e.id);
      const s = steps[e.id];
      if (!s) throw badRequest('MP.STEP_NOT_FOUND', `${at}不存在`);
      if (e.delayMinutes !== undefined) {
        if (s.type !== 'wait') throw badRequest('MP.STEP_NOT_EDITABLE', `${at}不是等待步骤，不能修改时长`);
        const { days: _days, ...rest } = s;
        steps[e.id] = { ...rest, minutes: e.delayMinutes };
      }
      if (e.templateText !== undefined) {
        const now = steps[e.id]!;
        if (now.type !== 'send') throw badRequest('MP.STEP_NOT_EDITABLE', `${at}不是消息步骤，不能修改文案`);
        steps[e.id] = { ...now, text: e.templateText };
      }
    }
    await this.d.journeys.edit(id, { steps });
    return this.journey(p, id);
  }

  async funnel(p: Principal, q: { from?: string; to?: string; groupBy: string; storeId?: number }) {
    const scope = (await this.scope(p, q.storeId));
    const period = dayPeriod(q.from, q.to, this.d.clock.now());
    const report = await this.d.funnel.report({
      from: period.fromDay,
      to: period.toDay,
      groupBy: q.groupBy === 'channel' ? { kind: 'channel' } : { kind: 'attribute', label: q.groupBy },
      storeId: scope.kind === 'store' ? scope.storeId : undefined,
      staffUserId: scope.kind === 'owner' ? scope.ownerUserId : undefined,
    });
    return { from: period.fromDay, to: period.toDay, groupBy: q.groupBy, rows: report.rows };
  }

  async journeyReport(p: Principal, q: { from?: string; to?: string; storeId?: number }) {
    const scope = (await this.scope(p, q.storeId));
    const period = dayPeriod(q.from, q.to, this.d.clock.now());
    const [journeys, effects] = await Promise.all([this.d.journeys.list(), this.d.repo.journeyEffects(scope, period, CONVERSION_DAYS)]);
    const byId = new Map(effects.map((e) => [e.journeyId, e]));
    const rows = journeys
      .filter((j) => byId.has(j.id) || canSeeJourney(p, j))
      .map((j) => {
        const e = byId.get(j.id) ?? emptyEffect(j.id);
        return {
          ...e,
          name: j.name,
          enabled: j.enabled,
          rates: { sent: ratio(e.sent, e.entered), replied: ratio(e.replied, e.entered), converted: ratio(e.converted, e.entered) },
          // Journeys have no holdout: each rate carries its own 95% (Wilson) interval instead.
          ci95: { replied: interval(e.replied, e.entered), converted: interval(e.converted, e.entered) },
        };
      });
    return { from: period.fromDay, to: period.toDay, conversionDays: CONVERSION_DAYS, rows };
  }

  async reactivation(p: Principal, q: { runId?: number; from?: string; to?: string; storeId?: number }) {
    const scope = (await this.scope(p, q.storeId));
    const period = q.runId === undefined ? dayPeriod(q.from, q.to, this.d.clock.now()) : undefined;
    const report = await this.d.segments.measureLift(period ? { from: period.from, to: period.to } : { runId: q.runId! }, CONVERSION_DAYS, scope);
    const arm = (a: 'treated' | 'holdout') => {
      const rows = report.arms.filter((r) => r.arm === a);
      const n = rows.reduce((s, r) => s + r.entered, 0);
      const converted = rows.reduce((s, r) => s + r.converted, 0);
      return { n, converted, rate: ratio(converted, n) };
    };
    const treated = arm('treated');
    const holdout = arm('holdout');
    return {
      ...(period ? { from: period.fromDay, to: period.toDay } : { runId: q.runId }),
      conversionDays: CONVERSION_DAYS,
      treated,
      holdout,
      // The lift never goes out without its interval and what it lets one say.
      ...liftEstimate(treated, holdout),
      bySegment: report.lift
        .filter((l) => l.segment !== 'all')
        .map((l) => ({ segment: l.segment, label: l.segment && l.segment !== 'all' ? segmentLabel(l.segment) : '未评分', treatedRate: l.treatedRate, holdoutRate: l.holdoutRate, lift: l.lift, ci95: l.ci95, verdict: l.verdict, note: l.note })),
    };
  }

  async nps(p: Principal, q: { from?: string; to?: string; storeId?: number }) {
    const scope = (await this.scope(p, q.storeId));
    const period = dayPeriod(q.from, q.to, this.d.clock.now());
    const answers = await this.d.repo.npsScores(scope, period);
    const overall = npsOf(answers.map((a) => a.score));
    // Per store only where several stores are in view (HQ across stores).
    const byStore =
      scope.kind === 'all'
        ? [...new Set(answers.map((a) => a.storeId))].sort((a, b) => (a ?? 0) - (b ?? 0)).map((storeId) => ({ storeId, ...npsOf(answers.filter((a) => a.storeId === storeId).map((a) => a.score)) }))
        : undefined;
    return { from: period.fromDay, to: period.toDay, ...overall, ...(byStore ? { byStore } : {}) };
  }

  async rfm(p: Principal, q: { storeId?: number }) {
    const { asOf, counts } = await this.d.repo.rfmCounts((await this.scope(p, q.storeId)));
    const total = counts.reduce((s, c) => s + c.customers, 0);
    return {
      asOf,
      total,
      segments: SEGMENTS.map((s) => {
        const count = counts.filter((c) => c.segment === s.code).reduce((n, c) => n + c.customers, 0);
        return { segment: s.code, label: s.label, count, share: total ? Math.round((count / total) * 10000) / 10000 : 0 };
      }),
    };
  }

  async ltv(p: Principal, q: { from?: string; to?: string; storeId?: number }) {
    const scope = (await this.scope(p, q.storeId));
    const period = dayPeriod(q.from, q.to, this.d.clock.now());
    const rows = (await this.d.repo.ltvByFirstChannel(scope, period))
      .map((r) => ({ ...r, channelName: r.channelName ?? (r.channelId === null ? '无来源渠道' : '已删除渠道'), ltvFen: r.customers ? Math.round(r.revenueFen / r.customers) : 0 }))
      .sort((a, b) => b.ltvFen - a.ltvFen || b.customers - a.customers);
    return { from: period.fromDay, to: period.toDay, rows };
  }

  /**
   * The customer list as CSV (UTF-8 BOM, phones masked), newest first, at most
   * {@link EXPORT_ROW_CAP} rows, streamed a batch at a time; audited before the first byte.
   */
  async exportCustomers(p: Principal, f: Omit<CustomerFilter, 'limit' | 'offset'>, ipHash: string | null): Promise<CsvExport> {
    requirePermission(p, 'export.csv');
    type Page = Awaited<ReturnType<MpService['listCustomers']>>;
    const list = this.d.customers;
    const batch = (page: Page): Batch<Page['items'][number]> => ({
      items: page.items,
      next: page.nextCursor === null ? undefined : async () => batch(await list.listCustomers(p, { ...f, limit: EXPORT_BATCH, offset: 0, cursor: page.nextCursor! }, { countCap: 0 })),
    });
    const first = await list.listCustomers(p, { ...f, limit: EXPORT_BATCH, offset: 0 }, { countCap: EXACT_COUNT });
    const staffNames = nameCache(async (ids: string[]) => (await this.d.repo.namesForExport({ staffUserIds: ids, storeIds: [], sourceKeys: [] })).staff);
    const storeNames = nameCache(async (ids: number[]) => (await this.d.repo.namesForExport({ staffUserIds: [], storeIds: ids, sourceKeys: [] })).stores);
    const rows = Math.min(first.total, EXPORT_ROW_CAP);
    // People read names and labels, not codes: the stage in Chinese, the store and the rep by name.
    const body = csvDocument(['客户编号', '姓名', '手机号', '阶段', '门店', '归属导购', '标签'], batch(first), rows, async (items) => {
      const [staff, stores] = [await staffNames(items.map((c) => c.ownerUserId)), await storeNames(items.map((c) => c.storeId))];
      return items.map((c) => [c.id, c.name, c.phoneMasked, stageLabel(c.stage), nameOr(stores, c.storeId), nameOr(staff, c.ownerUserId), c.tags.join('|')]);
    });
    return this.audited(p, 'customers', f, body, rows, first.total, ipHash);
  }

  /** Orders as CSV, newest first, at most {@link EXPORT_ROW_CAP} rows, streamed by key; audited before the first byte. */
  async exportOrders(p: Principal, q: { customerId?: number; from?: string; to?: string }, ipHash: string | null): Promise<CsvExport> {
    requirePermission(p, 'export.csv');
    if (q.customerId !== undefined) requireVisible(p, await this.d.placements.findCustomerPlacement(q.customerId));
    const filter = { customerId: q.customerId, period: q.from || q.to ? dayPeriod(q.from, q.to, this.d.clock.now()) : undefined };
    const scope = queryScope(p);
    type Slice = Awaited<ReturnType<OrderExportRepo['pageOrdersForExport']>>;
    const batch = (s: Slice): Batch<Slice['items'][number]> => ({
      items: s.items,
      next: s.more ? async () => batch(await this.d.orderExports.pageOrdersForExport(scope, filter, { limit: EXPORT_BATCH, beforeId: s.items[s.items.length - 1]!.id, countCap: 0 })) : undefined,
    });
    const first = await this.d.orderExports.pageOrdersForExport(scope, filter, { limit: EXPORT_BATCH, countCap: EXACT_COUNT });
    const storeNames = nameCache(async (ids: number[]) => (await this.d.repo.namesForExport({ staffUserIds: [], storeIds: ids, sourceKeys: [] })).stores);
    const sourceNames = nameCache(async (keys: string[]) => (await this.d.repo.namesForExport({ staffUserIds: [], storeIds: [], sourceKeys: keys })).sources);
    const rows = Math.min(first.counted, EXPORT_ROW_CAP);
    const body = csvDocument(['订单编号', '来源', '客户编号', '客户姓名', '门店', '金额(元)', '支付时间', '状态'], batch(first), rows, async (items) => {
      const [stores, sources] = [await storeNames(items.map((o) => o.storeId)), await sourceNames(posKeys(items.map((o) => o.source)))];
      return items.map((o) => [o.orderNo, orderSourceLabel(o.source, sources), o.customerId, o.customerName, nameOr(stores, o.storeId), (o.amountFen / 100).toFixed(2), shanghaiDateTime(o.paidAt), orderStatusLabel(o.status)]);
    });
    return this.audited(p, 'orders', q, body, rows, first.counted, ipHash);
  }

  private async audited(p: Principal, what: 'customers' | 'orders', filters: object, body: AsyncIterable<string>, rows: number, total: number, ipHash: string | null): Promise<CsvExport> {
    const truncated = total > rows;
    await this.d.audit.insertAudit({
      staffId: p.staffId,
      action: `export.${what}`,
      targetType: 'export',
      targetId: what,
      at: this.d.clock.now(),
      ipHash,
      detail: { role: p.role, storeId: p.storeId, filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)), rows, total, truncated },
    });
    return { body, rows, total, truncated, filename: `${what}-${shanghaiDate(this.d.clock.now()).replace(/-/g, '')}.csv` };
  }

  async auditLog(p: Principal, page: { limit: number; offset: number }) {
    requirePermission(p, 'audit.read');
    return this.d.repo.listAudit(page);
  }
}

const emptyEffect = (journeyId: number): JourneyEffect => ({ journeyId, entered: 0, sent: 0, delivered: 0, replied: 0, converted: 0, skipped: 0 });

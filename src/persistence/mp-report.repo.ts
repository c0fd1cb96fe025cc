import type { Knex } from 'knex';
import type { QueryScope } from '../domain/access/access.js';
import type { AuditRow, ExportOrderRow, JourneyEffect, LtvRow, MpReportRepo, OrderExportFilter, Period } from '../domain/mp/mp-reports.ports.js';
import { isSegment, type Segment } from '../domain/segment/rfm.js';
import { DAY_MS } from '../shared/shanghai-time.js';
import { dbClient } from './db.js';
import { applyScope } from './scope.js';

type Row = Record<string, any>;
const num = (v: unknown) => Number(v ?? 0);

export class SqlMpReportRepo implements MpReportRepo {
  private readonly mysql: boolean;

  constructor(private readonly db: Knex) {
    this.mysql = dbClient(db) === 'mysql';
  }

  async journeyEffects(scope: QueryScope, period: Period | undefined, convertDays: number): Promise<JourneyEffect[]> {
    const runs = () => {
      const q = applyScope(this.db, this.db('journey_runs as r'), scope, { store: 'r.store_id', customer: 'r.customer_id' });
      if (period) q.where('r.entered_at', '>=', period.from).andWhere('r.entered_at', '<', period.to);
      return q;
    };
    const touches = () => runs().join('touches as t', 't.run_id', 'r.id');
    const sent = () => touches().where('t.status', 'sent');
    // A bot touch is delivered when the outbox row it became (dedupe key touch:<idem key>) went out.
    const outboxKey = this.db.raw(this.mysql ? "CONCAT('touch:', t.idem_key)" : "'touch:' || t.idem_key");
    const [entered, statuses, delivered, replied, converted] = (await Promise.all([
      runs().groupBy('r.journey_id').select('r.journey_id').count({ n: '*' }),
      touches().groupBy('r.journey_id', 't.status').select('r.journey_id', 't.status').count({ n: '*' }),
      touches().join('outbox as ob', 'ob.dedupe_key', outboxKey).where('ob.status', 'sent').groupBy('r.journey_id').select('r.journey_id').count({ n: '*' }),
      sent().join('customers as c', 'c.id', 't.customer_id').whereRaw('c.last_inbound_at > t.sent_at').groupBy('r.journey_id').select('r.journey_id').countDistinct({ n: 't.customer_id' }),
      sent()
        .join('orders as o', 'o.customer_id', 't.customer_id')
        .where('o.status', 'paid')
        .andWhereRaw('o.paid_at > t.sent_at AND o.paid_at <= t.sent_at + ?', [convertDays * DAY_MS])
        .groupBy('r.journey_id')
        .select('r.journey_id')
        .countDistinct({ n: 't.customer_id' }),
    ])) as Row[][];
    const out = new Map<number, JourneyEffect>();
    const row = (id: unknown) => {
      const key = Number(id);
      let e = out.get(key);
      if (!e) out.set(key, (e = { journeyId: key, entered: 0, sent: 0, delivered: 0, replied: 0, converted: 0, skipped: 0 }));
      return e;
    };
    for (const r of entered!) row(r.journey_id).entered = num(r.n);
    for (const r of statuses!) {
      if (r.status === 'sent') row(r.journey_id).sent = num(r.n);
      if (r.status === 'skipped') row(r.journey_id).skipped = num(r.n);
    }
    for (const r of delivered!) row(r.journey_id).delivered = num(r.n);
    for (const r of replied!) row(r.journey_id).replied = num(r.n);
    for (const r of converted!) row(r.journey_id).converted = num(r.n);
    return [...out.values()];
  }

  async rfmCounts(scope: QueryScope): Promise<{ asOf: number | null; counts: Array<{ segment: Segment; customers: number }> }> {
    const [rows, run] = await Promise.all([
      applyScope(this.db, this.db('customer_rfm as f'), scope, { store: 'f.store_id', customer: 'f.customer_id' }).groupBy('f.segment').select('f.segment').count({ n: '*' }),
      this.db('rfm_runs').whereNotNull('finished_at').orderBy('id', 'desc').first('finished_at'),
    ]);
    return {
      asOf: run ? Number(run.finished_at) : null,
      counts: (rows as Row[]).filter((r) => isSegment(r.segment)).map((r) => ({ segment: r.segment as Segment, customers: num(r.n) })),
    };
  }

  async npsScores(scope: QueryScope, period: Period): Promise<Array<{ storeId: number | null; score: number }>> {
    const q = this.db('survey_answers as a').where('a.question', 'nps').whereNotNull('a.score').andWhere('a.answered_at', '>=', period.from).andWhere('a.answered_at', '<', period.to);
    const rows = (await applyScope(this.db, q, scope, { store: 'a.store_id', customer: 'a.customer_id' }).select('a.store_id', 'a.score')) as Row[];
    return rows.map((r) => ({ storeId: r.store_id === null ? null : Number(r.store_id), score: Number(r.score) }));
  }

  async ltvByFirstChannel(scope: QueryScope, period: Period): Promise<LtvRow[]> {
    const paid = this.db.raw('?', ['paid']);
    const q = this.db('customers as c')
      .leftJoin('channels as ch', 'ch.id', 'c.first_channel_id')
      .leftJoin('orders as o', function () {
        this.on('o.customer_id', '=', 'c.id').andOn('o.status', '=', paid);
      })
      .whereNull('c.merged_into')
      .andWhere('c.created_at', '>=', period.from)
      .andWhere('c.created_at', '<', period.to);
    const rows = (await applyScope(this.db, q, scope, { store: 'c.store_id', owner: 'c.owner_userid' })
      .groupBy('c.first_channel_id', 'ch.name')
      .select('c.first_channel_id', 'ch.name')
      .countDistinct({ customers: 'c.id' })
      .count({ orders: 'o.id' })
      .sum({ revenueFen: 'o.amount_fen' })) as Row[];
    return rows.map((r) => ({
      channelId: r.first_channel_id === null ? null : Number(r.first_channel_id),
      channelName: r.name ?? null,
      customers: num(r.customers),
      orders: num(r.orders),
      revenueFen: num(r.revenueFen),
    }));
  }

  async namesForExport(q: { staffUserIds: string[]; storeIds: number[]; sourceKeys: string[] }) {
    const [staff, stores, sources] = await Promise.all([
      q.staffUserIds.length ? (this.db('staff').whereIn('wecom_userid', q.staffUserIds).select('wecom_userid', 'name') as Promise<Row[]>) : Promise.resolve([] as Row[]),
      q.storeIds.length ? (this.db('stores').whereIn('id', q.storeIds).select('id', 'name') as Promise<Row[]>) : Promise.resolve([] as Row[]),
      q.sourceKeys.length ? (this.db('order_sources').whereIn('key', q.sourceKeys).select('key', 'name') as Promise<Row[]>) : Promise.resolve([] as Row[]),
    ]);
    return {
      staff: new Map<string, string>(staff.map((r) => [String(r.wecom_userid), String(r.name)])),
      stores: new Map<number, string>(stores.map((r) => [Number(r.id), String(r.name)])),
      sources: new Map<string, string>(sources.map((r) => [String(r.key), String(r.name)])),
    };
  }

  async listOrdersForExport(scope: QueryScope, f: OrderExportFilter, page: { limit: number; offset: number }): Promise<{ items: ExportOrderRow[]; total: number }> {
    const q = applyScope(this.db, this.db('orders as o').leftJoin('customers as c', 'c.id', 'o.customer_id'), scope, { store: 'o.store_id', owner: 'c.owner_userid' });
    if (f.customerId !== undefined) q.where('o.customer_id', f.customerId);
    if (f.period) q.where('o.paid_at', '>=', f.period.from).andWhere('o.paid_at', '<', f.period.to);
    const [countRow] = await q.clone().count({ n: '*' });
    const rows = (await q.orderBy('o.id', 'desc').limit(page.limit).offset(page.offset).select('o.id', 'o.order_no', 'o.source', 'o.customer_id', 'c.name as customer_name', 'o.store_id', 'o.amount_fen', 'o.paid_at', 'o.status')) as Row[];
    return {
      total: num(countRow?.n),
      items: rows.map((r) => ({
        id: Number(r.id),
        orderNo: r.order_no,
        source: r.source,
        customerId: Number(r.customer_id),
        customerName: r.customer_name ?? null,
        storeId: r.store_id === null ? null : Number(r.store_id),
        amountFen: Number(r.amount_fen),
        paidAt: Number(r.paid_at),
        status: r.status,
      })),
    };
  }

  async listAudit(page: { limit: number; offset: number }): Promise<{ items: AuditRow[]; total: number }> {
    const [countRow] = await this.db('audit_log').count({ n: '*' });
    const rows = (await this.db('audit_log as a').leftJoin('staff as s', 's.id', 'a.staff_id').orderBy('a.id', 'desc').limit(page.limit).offset(page.offset).select('a.*', 's.name as staff_name')) as Row[];
    return {
      total: num(countRow?.n),
      items: rows.map((r) => ({
        id: Number(r.id),
        staffId: Number(r.staff_id),
        staffName: r.staff_name ?? null,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        at: Number(r.at),
        ipHash: r.ip_hash ?? null,
        detail: JSON.parse(r.detail),
      })),
    };
  }
}

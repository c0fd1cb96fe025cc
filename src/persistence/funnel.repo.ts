import type { Knex } from 'knex';
import type { ChannelStepCounts, FunnelRepo } from '../domain/report/funnel.js';
import { ROLLUPS, dayRows, withWatermarks } from './report-rollup.repo.js';

type Rows = Array<Record<string, unknown>>;

export class SqlFunnelRepo implements FunnelRepo {
  /**
   * `rollups: false` counts scans and leads from their own rows only: the reference the rollup
   * path is tested against (test/persistence/report-rollups.test.ts).
   */
  constructor(
    private readonly db: Knex,
    private readonly o: { rollups?: boolean } = {},
  ) {}

  /** Scans, visitors and leads per channel: daily rollups plus the rows after their watermark. */
  private async scansAndLeads(q: { from: number; to: number; channelIds?: number[] }, scope: (b: Knex.QueryBuilder, col: string, timeCol: string) => Knex.QueryBuilder): Promise<[Rows, Rows]> {
    if (this.o.rollups === false) {
      return Promise.all([
        scope(this.db('scans').select('channel_id').count({ scans: '*' }).sum({ visitors: this.db.raw('CASE WHEN first_of_day THEN 1 ELSE 0 END') }), 'channel_id', 'created_at').groupBy('channel_id'),
        scope(this.db('leads').select('channel_id').count({ leads: '*' }), 'channel_id', 'created_at').groupBy('channel_id'),
      ]) as Promise<[Rows, Rows]>;
    }
    return withWatermarks(this.db, async (trx, w) => {
      const scans = (await trx.from(dayRows(trx, ROLLUPS.scans, w.scans, { ...q, by: ['channel_id'] })).select('channel_id').sum({ scans: 'scans', visitors: 'visitors' }).groupBy('channel_id')) as Rows;
      const leads = (await trx.from(dayRows(trx, ROLLUPS.leads, w.leads, { ...q, by: ['channel_id'] })).select('channel_id').sum({ leads: 'leads' }).groupBy('channel_id')) as Rows;
      return [scans, leads];
    });
  }

  async countSteps(q: { from: number; to: number; channelIds?: number[] }): Promise<ChannelStepCounts[]> {
    const scope = (b: Knex.QueryBuilder, col: string, timeCol: string) => {
      b.where(timeCol, '>=', q.from).andWhere(timeCol, '<', q.to);
      if (q.channelIds) b.whereIn(col, q.channelIds);
      return b;
    };
    const sameChannelLead = (b: Knex.QueryBuilder) => b.select(this.db.raw('1')).from('leads as l').whereRaw('l.customer_id = f.customer_id').andWhereRaw('l.channel_id = f.channel_id');
    const [[scans, leads], adds, claims, firsts, revenue, leadsAdded, addsWithoutLead, addsFirstOrder] = await Promise.all([
      this.scansAndLeads(q, scope),
      scope(this.db('customer_follows').select('channel_id').countDistinct({ adds: 'customer_id' }), 'channel_id', 'added_at').whereNotNull('channel_id').groupBy('channel_id'),
      // Journey coupons have no channel: the funnel counts the landing page's claims.
      scope(this.db('coupon_claims').select('channel_id').count({ claims: '*' }), 'channel_id', 'created_at').whereNotNull('channel_id').groupBy('channel_id'),
      // A customer's first order is the one at their first_purchase_at; it counts for the channel it was attributed to.
      scope(
        this.db('orders as o').join('customers as c', function () {
          this.on('c.id', '=', 'o.customer_id').andOn('c.first_purchase_at', '=', 'o.paid_at');
        }).select('o.channel_id').countDistinct({ firstOrders: 'o.customer_id' }),
        'o.channel_id',
        'o.paid_at',
      ).where('o.status', 'paid').whereNotNull('o.channel_id').groupBy('o.channel_id'),
      scope(this.db('orders').select('channel_id').sum({ revenueFen: 'amount_fen' }), 'channel_id', 'paid_at').where('status', 'paid').whereNotNull('channel_id').groupBy('channel_id'),
      // The rates' numerators: the same people as their denominators (funnel.ts).
      scope(this.db('leads as ld').select('ld.channel_id').count({ n: '*' }), 'ld.channel_id', 'ld.created_at')
        .whereExists((b) => b.select(this.db.raw('1')).from('customer_follows as f').whereRaw('f.customer_id = ld.customer_id').andWhereRaw('f.channel_id = ld.channel_id'))
        .groupBy('ld.channel_id'),
      scope(this.db('customer_follows as f').select('f.channel_id').countDistinct({ n: 'f.customer_id' }), 'f.channel_id', 'f.added_at').whereNotNull('f.channel_id').whereNotExists(sameChannelLead).groupBy('f.channel_id'),
      scope(this.db('customer_follows as f').join('customers as c', 'c.id', 'f.customer_id').select('f.channel_id').countDistinct({ n: 'f.customer_id' }), 'f.channel_id', 'f.added_at')
        .whereNotNull('f.channel_id')
        .whereRaw('c.first_purchase_at >= f.added_at')
        .where('c.first_purchase_at', '<', q.to)
        .groupBy('f.channel_id'),
    ]);
    const out = new Map<number, ChannelStepCounts>();
    const row = (id: number) => {
      let r = out.get(id);
      if (!r) out.set(id, (r = { channelId: id, scans: 0, visitors: 0, leads: 0, leadsAdded: 0, adds: 0, addsWithoutLead: 0, addsFirstOrder: 0, claims: 0, firstOrders: 0, revenueFen: 0 }));
      return r;
    };
    for (const s of scans as Array<Record<string, unknown>>) Object.assign(row(Number(s.channel_id)), { scans: Number(s.scans), visitors: Number(s.visitors ?? 0) });
    for (const l of leads as Array<Record<string, unknown>>) row(Number(l.channel_id)).leads = Number(l.leads);
    for (const a of adds as Array<Record<string, unknown>>) row(Number(a.channel_id)).adds = Number(a.adds);
    for (const c of claims as Array<Record<string, unknown>>) row(Number(c.channel_id)).claims = Number(c.claims);
    for (const f of firsts as Array<Record<string, unknown>>) row(Number(f.channel_id)).firstOrders = Number(f.firstOrders);
    for (const r of revenue as Array<Record<string, unknown>>) row(Number(r.channel_id)).revenueFen = Number(r.revenueFen ?? 0);
    for (const x of leadsAdded as Array<Record<string, unknown>>) row(Number(x.channel_id)).leadsAdded = Number(x.n);
    for (const x of addsWithoutLead as Array<Record<string, unknown>>) row(Number(x.channel_id)).addsWithoutLead = Number(x.n);
    for (const x of addsFirstOrder as Array<Record<string, unknown>>) row(Number(x.channel_id)).addsFirstOrder = Number(x.n);
    return [...out.values()];
  }
}

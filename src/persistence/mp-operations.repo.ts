import type { Knex } from 'knex';
import type { QueryScope } from '../domain/access/access.js';
import type { DayCounts, MpOperationsRepo, MpOrder, OrderFilter, StoreRow } from '../domain/mp/mp-operations.ports.js';
import { DAY_MS, shanghaiDayStart } from '../shared/shanghai-time.js';
import { dbClient, type Db } from './db.js';
import { applyScope } from './scope.js';
import { cappedCount } from './paging.js';
import { toOrder } from './order.repo.js';
import { ROLLUPS, dayRows, withWatermarks } from './report-rollup.repo.js';

type Metric = keyof DayCounts;
type Rows = Array<Record<string, unknown>>;
const EMPTY: DayCounts = { scans: 0, leads: 0, adds: 0, orders: 0, revenueFen: 0, touchesSent: 0, replies: 0 };

export class SqlMpOperationsRepo implements MpOperationsRepo {
  /** Day index of a timestamp column relative to a bound start: integer division differs by dialect. */
  private readonly bucket: (col: string) => string;

  /** `rollups: false` counts scans and leads from their own rows only (the tests' reference). */
  constructor(
    private readonly db: Db,
    private readonly o: { rollups?: boolean } = {},
  ) {
    this.bucket = dbClient(db) === 'mysql' ? (col) => `FLOOR((${col} - ?) / ${DAY_MS})` : (col) => `CAST((${col} - ?) / ${DAY_MS} AS INTEGER)`;
  }

  async listStores(storeId: number | undefined, page: { limit: number; offset: number }): Promise<{ items: StoreRow[]; total: number }> {
    const q = this.db('stores').modify((b) => {
      if (storeId !== undefined) b.where({ id: storeId });
    });
    const [countRow] = await q.clone().count({ n: '*' });
    const rows = await q.orderBy('id').limit(page.limit).offset(page.offset).select('id', 'code', 'name');
    return { total: Number(countRow?.n ?? 0), items: rows.map((r: Record<string, any>) => ({ id: Number(r.id), code: r.code, name: r.name })) };
  }

  async dailyCounts(scope: QueryScope, from: number, days: number): Promise<DayCounts[]> {
    const to = from + days * DAY_MS;
    const inRange = (q: Knex.QueryBuilder, col: string) => q.where(col, '>=', from).andWhere(col, '<', to);
    const perDay = (q: Knex.QueryBuilder, col: string, aggregates: string) =>
      inRange(q, col).select(this.db.raw(`${this.bucket(col)} as d, ${aggregates}`, [from])).groupBy('d') as Promise<Array<Record<string, unknown>>>;
    const byChannel = (q: Knex.QueryBuilder, ownerCol: string | undefined) => applyScope(this.db, q, scope, ownerCol ? { store: 'ch.store_id', owner: ownerCol } : { store: 'ch.store_id', staffList: 'ch.staff_userids' });
    const byCustomer = (q: Knex.QueryBuilder, storeCol: string, ownerCol = 'c.owner_userid') => applyScope(this.db, q, scope, { store: storeCol, owner: ownerCol });

    const channelDays = async (): Promise<[Rows, Rows]> => {
      // Whole Asia/Shanghai days (the dashboard's): the daily rollups plus the rows after their watermark.
      if (this.o.rollups !== false && shanghaiDayStart(from) === from) {
        return withWatermarks(this.db, async (trx, w) => {
          const perRollupDay = (q: Knex.QueryBuilder, counter: string) =>
            q.select(trx.raw(`(x.day_start - ?) / ${DAY_MS} as d`, [from])).sum({ [counter]: `x.${counter}` }).groupBy('x.day_start') as Promise<Array<Record<string, unknown>>>;
          const rows = (s: typeof ROLLUPS.scans | typeof ROLLUPS.leads, wm: number, by: string[]) => trx.from(dayRows(trx, s, wm, { from, to, by })).join('channels as ch', 'ch.id', 'x.channel_id');
          return [
            await perRollupDay(byChannel(rows(ROLLUPS.scans, w.scans, ['channel_id', 'day_start']), undefined), 'scans'),
            await perRollupDay(byChannel(rows(ROLLUPS.leads, w.leads, ['channel_id', 'staff_userid', 'day_start']), 'x.staff_userid'), 'leads'),
          ];
        });
      }
      return Promise.all([
        perDay(byChannel(this.db('scans as s').join('channels as ch', 'ch.id', 's.channel_id'), undefined), 's.created_at', 'count(*) as scans'),
        perDay(byChannel(this.db('leads as l').join('channels as ch', 'ch.id', 'l.channel_id'), 'l.staff_userid'), 'l.created_at', 'count(*) as leads'),
      ]);
    };
    const [[scans, leads], adds, orders, touches, replies] = await Promise.all([
      channelDays(),
      perDay(byCustomer(this.db('customer_follows as f').join('customers as c', 'c.id', 'f.customer_id'), 'c.store_id', 'f.staff_userid'), 'f.added_at', 'count(distinct f.customer_id) as adds'),
      perDay(byCustomer(this.db('orders as o').join('customers as c', 'c.id', 'o.customer_id').where('o.status', 'paid'), 'o.store_id'), 'o.paid_at', 'count(*) as orders, sum(o.amount_fen) as revenueFen'),
      perDay(byCustomer(this.db('touches as t').join('customers as c', 'c.id', 't.customer_id').where('t.status', 'sent'), 't.store_id'), 't.sent_at', 'count(*) as touchesSent'),
      perDay(byCustomer(this.db('customer_events as e').join('customers as c', 'c.id', 'e.customer_id').where('e.kind', 'message_in'), 'c.store_id'), 'e.occurred_at', 'count(*) as replies'),
    ]);
    const out = Array.from({ length: days }, () => ({ ...EMPTY }));
    const fill = (rows: Array<Record<string, unknown>>, metrics: Metric[]) => {
      for (const r of rows) {
        const day = out[Number(r.d)];
        if (day) for (const m of metrics) day[m] = Number(r[m] ?? 0);
      }
    };
    fill(scans, ['scans']);
    fill(leads, ['leads']);
    fill(adds, ['adds']);
    fill(orders, ['orders', 'revenueFen']);
    fill(touches, ['touchesSent']);
    fill(replies, ['replies']);
    return out;
  }

  async tasksDue(scope: QueryScope, before: number): Promise<number> {
    const q = applyScope(this.db, this.db('tasks').where('status', 'open').andWhere('due_at', '<', before), scope, { store: 'store_id', owner: 'staff_userid' });
    const [row] = await q.count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  private orders() {
    return this.db('orders as o').join('customers as c', 'c.id', 'o.customer_id');
  }

  async listOrders(scope: QueryScope, f: OrderFilter): Promise<{ items: MpOrder[]; counted: number; more: boolean }> {
    const q = applyScope(this.db, this.orders(), scope, { store: 'o.store_id', owner: 'c.owner_userid' });
    if (f.customerId !== undefined) q.where('o.customer_id', f.customerId);
    if (f.storeId !== undefined) q.where('o.store_id', f.storeId);
    const rowsQ = q.clone().orderBy([{ column: 'o.paid_at', order: 'desc' }, { column: 'o.id', order: 'desc' }]).limit(f.limit + 1);
    const after = f.after;
    if (after) rowsQ.where('o.paid_at', '<=', after.paidAt).where((w) => w.where('o.paid_at', '<', after.paidAt).orWhere('o.id', '<', after.id));
    else if (f.offset) rowsQ.offset(f.offset);
    const [rows, counted] = await Promise.all([rowsQ.select('o.*', 'c.name as customer_name'), cappedCount(this.db, q, 'o.id', f.countCap)]);
    return { counted, more: rows.length > f.limit, items: rows.slice(0, f.limit).map((r: Record<string, any>) => ({ ...toOrder(r), customerName: r.customer_name ?? null })) };
  }

  async findOrder(id: number): Promise<MpOrder | undefined> {
    const r = await this.orders().where('o.id', id).first('o.*', 'c.name as customer_name');
    return r && { ...toOrder(r), customerName: r.customer_name ?? null };
  }

  async staffStores(userIds: string[]): Promise<Map<string, number | null>> {
    if (!userIds.length) return new Map();
    const rows = await this.db('staff').whereIn('wecom_userid', userIds).select('wecom_userid', 'store_id');
    return new Map(rows.map((r: Record<string, any>) => [r.wecom_userid as string, r.store_id === null ? null : Number(r.store_id)]));
  }
}

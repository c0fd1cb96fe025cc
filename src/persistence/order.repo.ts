import type { Knex } from 'knex';
import { transact } from './db.js';
import type { CustomerRepo, Transactor } from '../domain/customer/customer.ports.js';
import type { Stage } from '../domain/customer/customer.types.js';
import { OrderExistsError, orderKey, type OrderQuery, type OrderRepo, type OrderSourceRepo, type OrderTx, type PurchaseState } from '../domain/order/order.ports.js';
import type { Order, OrderItem, OrderSource } from '../domain/order/order.types.js';
import { SqlCustomerRepo } from './customer.repo.js';
import { isDuplicate } from './db-errors.js';
import type { QueryScope } from '../domain/access/access.js';
import type { ListSlice, OrderExportRepo } from '../domain/mp/mp.ports.js';
import type { ExportOrderRow, OrderExportFilter } from '../domain/mp/mp-reports.ports.js';
import { cappedCount } from './paging.js';
import { applyScope } from './scope.js';

const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export const toOrder = (r: Record<string, any>): Order => ({
  id: Number(r.id),
  storeId: nn(r.store_id),
  customerId: Number(r.customer_id),
  source: r.source,
  orderNo: r.order_no,
  amountFen: Number(r.amount_fen),
  currency: r.currency,
  status: r.status,
  paidAt: Number(r.paid_at),
  channelId: nn(r.channel_id),
  items: JSON.parse(r.items) as OrderItem[],
  createdAt: Number(r.created_at),
});

const toSource = (r: Record<string, any>): OrderSource & { secretEnc: string } => ({
  id: Number(r.id),
  key: r.key,
  name: r.name,
  storeId: nn(r.store_id),
  active: !!r.active,
  createdAt: Number(r.created_at),
  secretEnc: r.secret_enc,
});

/** Orders (orders), the purchase aggregates they keep on customers, and order sources. */
export class SqlOrderRepo implements OrderRepo, OrderSourceRepo, OrderExportRepo {
  constructor(private readonly db: Knex) {}

  /** The CSV export's rows, newest first (id desc, the primary key), one batch after the last id sent. */
  async pageOrdersForExport(scope: QueryScope, f: OrderExportFilter, page: { limit: number; beforeId?: number; countCap: number }): Promise<ListSlice<ExportOrderRow>> {
    const q = applyScope(this.db, this.db('orders as o').leftJoin('customers as c', 'c.id', 'o.customer_id'), scope, { store: 'o.store_id', owner: 'c.owner_userid' });
    if (f.customerId !== undefined) q.where('o.customer_id', f.customerId);
    if (f.period) q.where('o.paid_at', '>=', f.period.from).andWhere('o.paid_at', '<', f.period.to);
    const rowsQ = q.clone().orderBy('o.id', 'desc').limit(page.limit + 1);
    if (page.beforeId !== undefined) rowsQ.where('o.id', '<', page.beforeId);
    const [rows, counted] = await Promise.all([
      rowsQ.select('o.id', 'o.order_no', 'o.source', 'o.customer_id', 'c.name as customer_name', 'o.store_id', 'o.amount_fen', 'o.paid_at', 'o.status') as Promise<Array<Record<string, any>>>,
      cappedCount(this.db, q, 'o.id', page.countCap),
    ]);
    return {
      counted,
      more: rows.length > page.limit,
      items: rows.slice(0, page.limit).map((r) => ({
        id: Number(r.id),
        orderNo: r.order_no,
        source: r.source,
        customerId: Number(r.customer_id),
        customerName: r.customer_name ?? null,
        storeId: nn(r.store_id),
        amountFen: Number(r.amount_fen),
        paidAt: Number(r.paid_at),
        status: r.status,
      })),
    };
  }

  async findOrder(source: string, orderNo: string): Promise<Order | undefined> {
    const r = await this.db('orders').where({ source, order_no: orderNo }).first();
    return r && toOrder(r);
  }

  async insertOrder(o: Omit<Order, 'id'>): Promise<number> {
    try {
      const [id] = await this.db('orders').insert({
        store_id: o.storeId,
        customer_id: o.customerId,
        source: o.source,
        order_no: o.orderNo,
        amount_fen: o.amountFen,
        currency: o.currency,
        status: o.status,
        paid_at: o.paidAt,
        channel_id: o.channelId,
        items: JSON.stringify(o.items),
        created_at: o.createdAt,
      });
      return Number(id);
    } catch (e) {
      if (isDuplicate(e)) throw new OrderExistsError();
      throw e;
    }
  }

  /** Newest paid first (ties by id), through (store_id, paid_at), (customer_id, paid_at) or (paid_at); keyset after q.after. */
  async listOrders(q: OrderQuery): Promise<{ items: Order[]; counted: number; more: boolean }> {
    const scope = (b: Knex.QueryBuilder) => {
      if (q.customerId !== undefined) b.where('customer_id', q.customerId);
      if (q.storeId !== undefined) b.where('store_id', q.storeId);
      if (q.from !== undefined) b.where('paid_at', '>=', q.from);
      if (q.to !== undefined) b.where('paid_at', '<', q.to);
      return b;
    };
    const rowsQ = scope(this.db('orders')).orderBy([{ column: 'paid_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(q.limit + 1);
    const after = q.after;
    if (after) rowsQ.where('paid_at', '<=', after.paidAt).where((w) => w.where('paid_at', '<', after.paidAt).orWhere('id', '<', after.id));
    else if (q.offset) rowsQ.offset(q.offset);
    const [rows, counted] = await Promise.all([rowsQ, cappedCount(this.db, scope(this.db('orders')), 'id', q.countCap)]);
    return { items: rows.slice(0, q.limit).map(toOrder), counted, more: rows.length > q.limit };
  }

  async existingOrderKeys(pairs: Array<{ source: string; orderNo: string }>): Promise<Set<string>> {
    if (!pairs.length) return new Set();
    const rows = await this.db('orders').whereIn('order_no', [...new Set(pairs.map((p) => p.orderNo))]).select('source', 'order_no');
    return new Set(rows.map((r: { source: string; order_no: string }) => orderKey(r.source, r.order_no)));
  }

  async countPurchase(customerId: number, amountFen: number, paidAt: number, now: number): Promise<PurchaseState> {
    await this.db('customers')
      .where({ id: customerId })
      .update({
        order_count: this.db.raw('order_count + 1'),
        total_spent_fen: this.db.raw('total_spent_fen + ?', [amountFen]),
        first_purchase_at: this.db.raw('CASE WHEN first_purchase_at IS NULL OR first_purchase_at > ? THEN ? ELSE first_purchase_at END', [paidAt, paidAt]),
        last_purchase_at: this.db.raw('CASE WHEN last_purchase_at IS NULL OR last_purchase_at < ? THEN ? ELSE last_purchase_at END', [paidAt, paidAt]),
        updated_at: now,
      });
    const r = await this.db('customers').where({ id: customerId }).first('order_count', 'stage', 'first_channel_id');
    return { orderCount: Number(r.order_count), stage: r.stage as Stage, firstChannelId: nn(r.first_channel_id) };
  }

  async insertSource(s: Omit<OrderSource, 'id'> & { secretEnc: string }): Promise<number> {
    const [id] = await this.db('order_sources').insert({ key: s.key, name: s.name, store_id: s.storeId, secret_enc: s.secretEnc, active: s.active, created_at: s.createdAt });
    return Number(id);
  }

  async findSource(key: string): Promise<(OrderSource & { secretEnc: string }) | undefined> {
    const r = await this.db('order_sources').where({ key }).first();
    return r && toSource(r);
  }

  async listSources(): Promise<OrderSource[]> {
    return (await this.db('order_sources').orderBy('id')).map((r) => {
      const { secretEnc: _secret, ...pub } = toSource(r);
      return pub;
    });
  }

  async updateSource(key: string, patch: { active?: boolean; name?: string }): Promise<boolean> {
    const row = { ...(patch.active !== undefined ? { active: patch.active } : {}), ...(patch.name !== undefined ? { name: patch.name } : {}) };
    if (Object.keys(row).length) await this.db('order_sources').where({ key }).update(row);
    // Matched, not changed: MySQL reports 0 affected rows when the values were already so.
    return !!(await this.findSource(key));
  }
}

/** Binds the order and customer repos to one knex transaction. */
export function orderTransactor(db: Knex): Transactor<OrderTx> {
  return {
    transaction: <T>(fn: (r: OrderTx) => Promise<T>): Promise<T> => transact(db, (trx) => fn({ customers: new SqlCustomerRepo(trx) as CustomerRepo, orders: new SqlOrderRepo(trx) })),
  };
}

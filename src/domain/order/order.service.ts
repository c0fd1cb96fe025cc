import { decodeCursor, encodeCursor, filterKey, LIST_COUNT_CAP, noOffsetWithCursor, pageOf } from '../../shared/cursor.js';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { AppError, badRequest, conflict, notFound, unauthorized } from '../../shared/errors.js';
import { shortCode } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { PiiCipher } from '../../shared/pii.js';
import type { IdentityRef, Transactor } from '../customer/customer.ports.js';
import type { Customer } from '../customer/customer.types.js';
import type { IdentityService } from '../customer/identity.service.js';
import type { TagService } from '../tag/tag.service.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP } from '../tag/tag.types.js';
import { orderConflict, orderDifferences } from './amendment.js';
import { parseOrderCsv, type CsvOrderRow, type RowError } from './csv-import.js';
import { OrderExistsError, orderKey, type NonceGuard, type OrderQuery, type OrderRepo, type OrderSourceRepo, type OrderTx } from './order.ports.js';
import { orderSourceOf, type Buyer, type NewOrder, type Order, type OrderItem, type OrderSource, type PaidOrder } from './order.types.js';
import { integrationSignature, signatureMatches } from './signature.js';
import { stageAfterOrder } from './stage.js';

export interface OrderDeps {
  tx: Transactor<OrderTx>;
  /** Finds or creates the buyer from the identities an order carries (domain/customer/identity.service.ts). */
  people: IdentityService;
  orders: OrderRepo;
  sources: OrderSourceRepo;
  tags: TagService;
  pii: PiiCipher;
  nonces: NonceGuard;
  storeExists(id: number): Promise<boolean>;
  corpId: string;
  clock: Clock;
  log: Logger;
  /**
   * Called once per newly recorded paid order, after its transaction committed (journeys
   * subscribe). Its errors are logged and never undo or fail the order.
   */
  onPaid?: (order: PaidOrder) => Promise<void>;
}

export interface SignedRequest {
  sourceKey: string;
  timestamp: string;
  nonce: string;
  signature: string;
  rawBody: Buffer;
}

export interface ImportReport {
  dryRun: boolean;
  /** Data rows in the file (blank lines not counted). */
  total: number;
  /** Orders written (in a dry run: that would be written). */
  created: number;
  /** Valid rows whose order was recorded before (a re-import). */
  skipped: number;
  failed: number;
  errors: RowError[];
}

export const SIGNATURE_MAX_SKEW_SEC = 300;
const IMPORT_BATCH = 200;

/**
 * Orders from every way in (signed mall/POS API, WeChat Pay notifications, operators, CSV
 * imports), idempotent on (source, order number): an identical repeat answers with the recorded
 * one and changes nothing; a repeat with another amount, paid time, store or items is refused
 * with 409 ORDER.CONFLICT (see amendment.ts) and changes nothing either. Each new paid order updates the customer's purchase aggregates and
 * lifecycle stage, tags them 已购买 and appends to their timeline, all in the order's own
 * transaction; the onPaid hook hears about it after commit.
 */
export class OrderService {
  constructor(private readonly d: OrderDeps) {}

  /** Records one order; `created: false` when (source, orderNo) was recorded before. */
  async record(o: NewOrder): Promise<{ order: Order; created: boolean }> {
    const [bought] = await this.boughtTag();
    const out = await this.withRetry(() => this.d.tx.transaction((tx) => this.apply(tx, o, bought!.id)));
    if (out.created) await this.notify(out.order, false);
    return out;
  }

  /** An order an operator enters for a known customer; the order number is generated when absent. */
  async recordByOperator(input: { customerId: number; orderNo?: string; amountFen: number; paidAt?: number; storeId?: number; items?: OrderItem[] }) {
    if (input.storeId !== undefined && !(await this.d.storeExists(input.storeId))) throw badRequest('ORDER.STORE_NOT_FOUND', '门店不存在');
    return this.record({
      source: 'admin',
      orderNo: input.orderNo ?? `A${shortCode(15).toUpperCase()}`,
      amountFen: input.amountFen,
      paidAt: input.paidAt ?? this.d.clock.now(),
      ...(input.paidAt === undefined ? { paidAtDefaulted: true } : {}),
      storeId: input.storeId ?? null,
      items: input.items ?? [],
      buyer: { customerId: input.customerId },
    });
  }

  /**
   * Authenticates a signed integration request: the timestamp within 5 minutes, an active
   * source, the HMAC over timestamp, nonce and raw body, and a nonce not seen in 10 minutes.
   * Fails with 401 (stale, unknown source, bad signature) or 409 (replay); writes nothing.
   */
  async verifySigned(r: SignedRequest): Promise<OrderSource> {
    const ts = /^\d{1,12}$/.test(r.timestamp) ? Number(r.timestamp) : NaN;
    if (!(Math.abs(this.d.clock.now() / 1000 - ts) <= SIGNATURE_MAX_SKEW_SEC)) throw unauthorized('ORDER.STALE_TIMESTAMP', '请求时间戳无效或已过期（允许误差 5 分钟），请校准时钟');
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(r.nonce)) throw unauthorized('ORDER.BAD_NONCE', '随机串须为 16 到 64 位字母、数字、下划线或横线');
    const source = /^[a-z0-9_-]{2,32}$/.test(r.sourceKey) ? await this.d.sources.findSource(r.sourceKey) : undefined;
    if (!source || !source.active) throw unauthorized('ORDER.UNKNOWN_SOURCE', '订单来源不存在或已停用');
    const expected = integrationSignature(this.d.pii.decrypt(source.secretEnc), r.timestamp, r.nonce, r.rawBody);
    if (!signatureMatches(expected, r.signature)) throw unauthorized('ORDER.BAD_SIGNATURE', '签名校验失败');
    // Only a verified request spends its nonce, so nobody can burn a source's nonces in advance.
    if (!(await this.d.nonces.spend(source.key, r.nonce))) throw conflict('ORDER.REPLAY', '重复的请求（随机串已使用），请使用新的随机串重新签名');
    const { secretEnc: _secret, ...pub } = source;
    return pub;
  }

  /** An order pushed by a verified mall/POS source; its store is the source's unless given. */
  async recordFromSource(source: OrderSource, b: { orderNo: string; amountFen: number; paidAt: number; storeId?: number; items?: OrderItem[]; customer: Exclude<Buyer, { customerId: number }> }) {
    if (b.storeId !== undefined && !(await this.d.storeExists(b.storeId))) throw badRequest('ORDER.STORE_NOT_FOUND', '门店不存在');
    return this.record({ source: orderSourceOf(source.key), orderNo: b.orderNo, amountFen: b.amountFen, paidAt: b.paidAt, storeId: b.storeId ?? source.storeId, items: b.items ?? [], buyer: b.customer });
  }

  /** A verified, decrypted WeChat Pay success: the payer is found (or created) by openid under the appid. */
  recordWxPay(t: { appid: string; outTradeNo: string; openid: string; amountFen: number; paidAt: number }) {
    return this.record({ source: 'wxpay', orderNo: t.outTradeNo, amountFen: t.amountFen, paidAt: t.paidAt, storeId: null, items: [], buyer: { mpOpenid: { appid: t.appid, openid: t.openid } } });
  }

  /** Orders, newest paid first; pages by offset or by the previous page's cursor. */
  async list(q: Omit<OrderQuery, 'after' | 'countCap'> & { cursor?: string }) {
    noOffsetWithCursor(q);
    const { cursor, ...rest } = q;
    const key = filterKey({ customerId: q.customerId, storeId: q.storeId, from: q.from, to: q.to });
    const after = cursor === undefined ? undefined : decodeCursor('orders', key, cursor, 2);
    const r = await this.d.orders.listOrders({ ...rest, after: after && { paidAt: after[0]!, id: after[1]! }, countCap: LIST_COUNT_CAP });
    const last = r.items[r.items.length - 1];
    return pageOf(r.items, r.counted, LIST_COUNT_CAP, () => (r.more && last ? encodeCursor('orders', key, [last.paidAt, last.id]) : null));
  }

  /**
   * Historical orders from CSV. Invalid rows are reported with their row number and a reason and
   * never block the valid ones. A dry run writes nothing; a real run writes in batches, each in
   * one transaction, and a re-import skips what is recorded.
   */
  async importCsv(text: string, opts: { dryRun: boolean }): Promise<ImportReport> {
    const parsed = parseOrderCsv(text, this.d.clock.now());
    if (!parsed.ok) throw badRequest('ORDER.CSV_INVALID', parsed.reason);
    const errors = [...parsed.errors];
    const stores = new Map<number, boolean>();
    for (const id of new Set(parsed.rows.map((r) => r.storeId).filter((s): s is number => s !== null))) stores.set(id, await this.d.storeExists(id));
    const valid = parsed.rows.filter((r) => {
      if (r.storeId === null || stores.get(r.storeId)) return true;
      errors.push({ row: r.row, reason: '门店不存在' });
      return false;
    });
    errors.sort((a, b) => a.row - b.row);
    const report = { dryRun: opts.dryRun, total: parsed.total, failed: errors.length, errors };
    const existing = new Set<string>();
    for (let i = 0; i < valid.length; i += 500) {
      for (const k of await this.d.orders.existingOrderKeys(valid.slice(i, i + 500))) existing.add(k);
    }
    const fresh = valid.filter((r) => !existing.has(orderKey(r.source, r.orderNo)));
    if (opts.dryRun) return { ...report, created: fresh.length, skipped: valid.length - fresh.length };

    const [bought] = await this.boughtTag();
    let created = 0;
    for (let i = 0; i < fresh.length; i += IMPORT_BATCH) {
      const batch = fresh.slice(i, i + IMPORT_BATCH);
      const done = await this.withRetry(() =>
        this.d.tx.transaction(async (tx) => {
          const out: Order[] = [];
          for (const r of batch) {
            const res = await this.apply(tx, csvOrder(r), bought!.id);
            if (res.created) out.push(res.order);
          }
          return out;
        }),
      );
      created += done.length;
      for (const o of done) await this.notify(o, true);
      this.d.log.info({ done: i + batch.length, of: fresh.length }, 'order import progress');
    }
    return { ...report, created, skipped: valid.length - created };
  }

  /** Registers a mall/POS source; the secret is returned here once and stored only sealed. */
  async createSource(input: { key: string; name: string; storeId?: number }): Promise<{ source: OrderSource; secret: string }> {
    if (input.storeId !== undefined && !(await this.d.storeExists(input.storeId))) throw badRequest('ORDER.STORE_NOT_FOUND', '门店不存在');
    if (await this.d.sources.findSource(input.key)) throw conflict('ORDER.SOURCE_EXISTS', '来源标识已存在');
    const secret = randomBytes(32).toString('hex');
    const source = { key: input.key, name: input.name, storeId: input.storeId ?? null, active: true, createdAt: this.d.clock.now() };
    const id = await this.d.sources.insertSource({ ...source, secretEnc: this.d.pii.encrypt(secret) });
    return { source: { id, ...source }, secret };
  }

  listSources(): Promise<OrderSource[]> {
    return this.d.sources.listSources();
  }

  async updateSource(key: string, patch: { active?: boolean; name?: string }): Promise<OrderSource> {
    if (!(await this.d.sources.updateSource(key, patch))) throw notFound('ORDER.SOURCE_NOT_FOUND', '订单来源不存在');
    const { secretEnc: _secret, ...pub } = (await this.d.sources.findSource(key))!;
    return pub;
  }

  private boughtTag() {
    return this.d.tags.ensure([{ group: BEHAVIOUR_GROUP, name: BEHAVIOUR.bought, kind: 'behaviour' }]);
  }

  /** The order and everything it changes on the customer, inside the caller's transaction. */
  private async apply({ customers, orders }: OrderTx, o: NewOrder, boughtTagId: number): Promise<{ order: Order; created: boolean }> {
    const existing = await orders.findOrder(o.source, o.orderNo);
    if (existing) {
      const differs = orderDifferences(existing, o);
      if (differs.length) throw orderConflict(existing, differs);
      return { order: existing, created: false };
    }
    const now = this.d.clock.now();
    const customer = await this.buyer({ customers, orders }, o, now);
    const row: Omit<Order, 'id'> = {
      storeId: o.storeId ?? customer.storeId,
      customerId: customer.id,
      source: o.source,
      orderNo: o.orderNo,
      amountFen: o.amountFen,
      currency: 'CNY',
      status: 'paid',
      paidAt: o.paidAt,
      channelId: customer.firstChannelId,
      items: o.items,
      createdAt: now,
    };
    const id = await orders.insertOrder(row);
    const after = await orders.countPurchase(customer.id, o.amountFen, o.paidAt, now);
    const stage = stageAfterOrder(after.stage, after.orderCount - 1);
    if (stage !== after.stage) await customers.updateCustomer(customer.id, { stage, updatedAt: now });
    await customers.addCustomerTags(customer.id, [boughtTagId], `order:${o.source}`, now);
    await customers.insertTimeline({
      customerId: customer.id,
      kind: 'order_paid',
      channelId: customer.firstChannelId,
      staffUserId: null,
      data: { orderId: id, orderNo: o.orderNo, source: o.source, amountFen: o.amountFen, stage },
      occurredAt: o.paidAt,
      sourceEventId: null,
    });
    return { order: { id, ...row }, created: true };
  }

  /**
   * The buying customer: by id, or the customer who owns the order's strongest identity (external
   * id, unionid, openid, phone), with the identities not yet known attached; else a new customer
   * with all of them.
   */
  private async buyer({ customers }: OrderTx, o: NewOrder, now: number): Promise<Customer> {
    const b = o.buyer;
    if ('customerId' in b) {
      let c = await customers.findCustomer(b.customerId);
      if (c?.mergedInto) c = await customers.findCustomer(c.mergedInto);
      if (!c) throw notFound('CUSTOMER.NOT_FOUND', '客户不存在');
      return c;
    }
    const ids: IdentityRef[] = [];
    if (b.externalUserId) ids.push({ kind: 'wecom_external', scope: this.d.corpId, value: b.externalUserId });
    if (b.unionid) ids.push({ kind: 'unionid', scope: '', value: b.unionid });
    if (b.mpOpenid) ids.push({ kind: 'mp_openid', scope: b.mpOpenid.appid, value: b.mpOpenid.openid });
    if (b.phone) ids.push({ kind: 'phone_hash', scope: '', value: this.d.pii.hash(b.phone) });
    if (!ids.length) throw badRequest('ORDER.NO_CUSTOMER', '请至少提供一种客户身份（手机号、外部联系人 ID 或 unionid）');
    const facts = { ...(b.name ? { name: { value: b.name, source: 'order' as const } } : {}), ...(o.storeId !== null ? { storeId: o.storeId } : {}) };
    const person = await this.d.people.resolve(customers, { identities: ids, facts }, now);
    if (person.created && b.phone) await customers.setCustomerPhone(person.customer.id, this.d.pii.encrypt(b.phone), b.phone.slice(-4), now);
    return person.customer;
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        // A concurrent copy of the same order committed first: the next try finds it.
        if (attempt < 3 && e instanceof OrderExistsError) continue;
        if (e instanceof OrderExistsError) throw new AppError('ORDER.BUSY', '订单正在处理，请稍后重试', { status: 503, transient: true, cause: e });
        throw e;
      }
    }
  }

  private async notify(o: Order, imported: boolean): Promise<void> {
    if (!this.d.onPaid) return;
    try {
      await this.d.onPaid({ id: o.id, customerId: o.customerId, storeId: o.storeId, amountFen: o.amountFen, paidAt: o.paidAt, source: o.source, orderNo: o.orderNo, imported });
    } catch (e) {
      this.d.log.error({ orderId: o.id, err: (e as Error).message }, 'onPaid hook failed; the order stands');
    }
  }
}

const csvOrder = (r: CsvOrderRow): NewOrder => ({
  source: r.source,
  orderNo: r.orderNo,
  amountFen: r.amountFen,
  paidAt: r.paidAt,
  storeId: r.storeId,
  items: [],
  buyer: { phone: r.phone, ...(r.name ? { name: r.name } : {}) },
});

import { decodeCursor, encodeCursor, filterKey, LIST_COUNT_CAP, noOffsetWithCursor, pageOf } from '../../shared/cursor.js';
import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { badRequest, conflict, isAppError } from '../../shared/errors.js';
import { shortCode } from '../../shared/ids.js';
import { DAY_MS, shanghaiDay, shanghaiDayStart } from '../../shared/shanghai-time.js';
import { canSeeShared, hidden, mayChooseAnyStore, queryScope, requirePermission, requireStoreScope, requireVisible, visibleStores, type Principal } from '../access/access.js';
import type { ChannelListQuery } from '../channel/channel.ports.js';
import type { ChannelService } from '../channel/channel.service.js';
import { checkMatrixBounds } from '../channel/placement-matrix.js';
import { staffNamedBy } from '../channel/routing.js';
import type { Channel, ChannelBatch, ChannelStatus, NewChannel } from '../channel/channel.types.js';
import type { CustomerEdit, CustomerEditService } from '../customer/customer-edit.service.js';
import type { OrderService } from '../order/order.service.js';
import type { OrderItem } from '../order/order.types.js';
import type { ChannelStepCounts, FunnelRepo } from '../report/funnel.js';
import type { DayCounts, MpOperationsRepo, MpOrder, OrderFilter } from './mp-operations.ports.js';
import type { MpRepo } from './mp.ports.js';

/** The channel list and detail show the last 30 days of the funnel, today included. */
export const CHANNEL_FUNNEL_DAYS = 30;
export const TREND_DAYS = 7;

export type ChannelFunnel = Pick<ChannelStepCounts, 'scans' | 'leads' | 'adds' | 'firstOrders'>;
export type MpChannel = Channel & { funnel: ChannelFunnel };

export interface Dashboard {
  day: string;
  today: DayCounts & { tasksDue: number };
  trend: Array<{ day: string } & DayCounts>;
}

/** YYYY-MM-DD of the Asia/Shanghai day `ms` falls on. */
export function shanghaiDate(ms: number): string {
  const n = shanghaiDay(ms);
  return `${Math.floor(n / 10000)}-${String(Math.floor(n / 100) % 100).padStart(2, '0')}-${String(n % 100).padStart(2, '0')}`;
}

/** A client's Idempotency-Key, made private to the staff member who sent it. */
const keyOf = (staffId: number, key: string) => createHash('sha256').update(`${staffId}\u0000${key}`).digest('hex').slice(0, 20);

/**
 * The mini-program's dashboard, stores, channels, hand edits of customers and orders. Scoping
 * and presentation only: the business rules stay in the channel, order, funnel and customer
 * services this calls.
 */
export class MpOperationsService {
  constructor(
    private readonly d: {
      repo: MpOperationsRepo;
      customers: MpRepo;
      channels: ChannelService;
      funnel: FunnelRepo;
      orders: OrderService;
      edits: CustomerEditService;
      storeExists(id: number): Promise<boolean>;
      clock: Clock;
    },
  ) {}

  private async storeFilter(p: Principal, storeId: number | undefined): Promise<number | undefined> {
    return (await requireStoreScope(p, storeId, this.d.storeExists)).storeId;
  }

  async stores(p: Principal, page: { limit: number; offset: number }) {
    const v = visibleStores(p);
    if (v.kind === 'none') return { items: [], total: 0 };
    return this.d.repo.listStores(v.kind === 'all' ? undefined : v.storeId, page);
  }

  /** Today's numbers and the 7-day trend (oldest first), in the caller's scope or one store for HQ. */
  async dashboard(p: Principal, storeId?: number): Promise<Dashboard> {
    const { scope } = await requireStoreScope(p, storeId, this.d.storeExists);
    const todayStart = shanghaiDayStart(this.d.clock.now());
    const from = todayStart - (TREND_DAYS - 1) * DAY_MS;
    const [days, tasksDue] = await Promise.all([this.d.repo.dailyCounts(scope, from, TREND_DAYS), this.d.repo.tasksDue(scope, todayStart + DAY_MS)]);
    return {
      day: shanghaiDate(todayStart),
      today: { ...days[TREND_DAYS - 1]!, tasksDue },
      trend: days.map((c, i) => ({ day: shanghaiDate(from + i * DAY_MS), ...c })),
    };
  }

  /** Tags and a note, by someone who may see the customer. */
  async editCustomer(p: Principal, id: number, edit: CustomerEdit): Promise<void> {
    requireVisible(p, await this.d.customers.findCustomerPlacement(id));
    await this.d.edits.edit(id, edit, { userId: p.wecomUserId });
  }

  async listChannels(p: Principal, f: Omit<ChannelListQuery, 'staffUserId'>): Promise<{ items: MpChannel[]; total: number }> {
    const scope = queryScope(p);
    const storeId = await this.storeFilter(p, f.storeId);
    const q: ChannelListQuery = { ...f, storeId };
    if (scope.kind === 'store') q.storeId = scope.storeId;
    if (scope.kind === 'owner') q.staffUserId = scope.ownerUserId;
    const { items, total } = await this.d.channels.list(q);
    return { items: await this.withFunnel(items), total };
  }

  async channel(p: Principal, id: number): Promise<MpChannel> {
    return (await this.withFunnel([await this.visibleChannel(p, id)]))[0]!;
  }

  /** The channel itself, for its QR code and poster. */
  async visibleChannel(p: Principal, id: number): Promise<Channel> {
    const c = await this.d.channels.findById(id);
    if (!c || !canSeeShared(p, { storeId: c.storeId, userIds: c.staffUserIds })) throw hidden();
    return c;
  }

  async createChannel(p: Principal, input: NewChannel): Promise<MpChannel> {
    const storeId = await this.channelRepo(p, input.storeId, input);
    const c = await this.d.channels.create({ ...input, storeId });
    return (await this.withFunnel([c]))[0]!;
  }

  /**
   * A placement matrix named `<prefix>-<value>-<value>…`. The batch key comes from the client's
   * Idempotency-Key when there is one, so a retried request returns the channels it made.
   */
  async createBatch(
    p: Principal,
    b: { prefix: string; dimensions: Array<{ label: string; values: string[] }>; template: Omit<NewChannel, 'name' | 'attributes'> },
    idempotencyKey?: string,
  ): Promise<{ batchId: string; created: number; existing: number; items: MpChannel[] }> {
    const namePattern = b.prefix + b.dimensions.map((dim) => `-{${dim.label}}`).join('');
    const dimensions = Object.fromEntries(b.dimensions.map((dim) => [dim.label, dim.values]));
    // Before any lookup: the matrix size is known from the counts.
    checkMatrixBounds(dimensions, namePattern);
    const storeId = await this.channelRepo(p, b.template.storeId, b.template);
    const batch: ChannelBatch = {
      batchKey: `mp${p.staffId}_${idempotencyKey ? keyOf(p.staffId, idempotencyKey) : shortCode(16)}`,
      namePattern,
      dimensions,
      template: { ...b.template, storeId },
    };
    const r = await this.d.channels.createBatch(batch);
    return { batchId: batch.batchKey, created: r.created, existing: r.existing, items: await this.withFunnel(r.channels) };
  }

  async setChannelStatus(p: Principal, id: number, status: ChannelStatus): Promise<MpChannel> {
    requirePermission(p, 'channel.pause');
    await this.visibleChannel(p, id);
    return (await this.withFunnel([await this.d.channels.edit(id, { status })]))[0]!;
  }

  /** Orders in scope, newest paid first; pages by offset or by the previous page's cursor. */
  async listOrders(p: Principal, f: Omit<OrderFilter, 'after' | 'countCap'> & { cursor?: string }) {
    noOffsetWithCursor(f);
    if (f.customerId !== undefined) requireVisible(p, await this.d.customers.findCustomerPlacement(f.customerId));
    const { cursor, ...rest } = f;
    const storeId = await this.storeFilter(p, f.storeId);
    const key = filterKey({ customerId: f.customerId, storeId });
    const after = cursor === undefined ? undefined : decodeCursor('mp-orders', key, cursor, 2);
    const r = await this.d.repo.listOrders(queryScope(p), { ...rest, storeId, after: after && { paidAt: after[0]!, id: after[1]! }, countCap: LIST_COUNT_CAP });
    const last = r.items[r.items.length - 1];
    return pageOf(r.items, r.counted, LIST_COUNT_CAP, () => (r.more && last ? encodeCursor('mp-orders', key, [last.paidAt, last.id]) : null));
  }

  /**
   * Records an order for a customer the caller may see, exactly as an operator does through the
   * admin API (so the post-purchase journey starts). With an Idempotency-Key a retry answers with
   * the order the first attempt made; the same key for a different order is refused.
   */
  async recordOrder(
    p: Principal,
    o: { customerId: number; amountFen: number; paidAt?: number; items?: OrderItem[]; note?: string },
    idempotencyKey?: string,
  ): Promise<{ order: MpOrder; created: boolean }> {
    requireVisible(p, await this.d.customers.findCustomerPlacement(o.customerId));
    const orderNo = idempotencyKey ? `M${p.staffId}-${keyOf(p.staffId, idempotencyKey)}` : undefined;
    const idempotencyConflict = () => conflict('MP.IDEMPOTENCY_CONFLICT', '该请求标识已用于另一笔订单，请刷新后重试');
    const { order, created } = await this.d.orders
      .recordByOperator({ customerId: o.customerId, orderNo, amountFen: o.amountFen, paidAt: o.paidAt, items: o.items })
      .catch((e: unknown) => {
        // The key names the order: another order under it is the client's mistake, said in its terms.
        throw isAppError(e) && e.code === 'ORDER.CONFLICT' ? idempotencyConflict() : e;
      });
    if (!created && order.customerId !== o.customerId) throw idempotencyConflict();
    if (created && o.note) await this.d.edits.edit(o.customerId, { note: o.note, noteRef: { orderId: order.id, orderNo: order.orderNo } }, { userId: p.wecomUserId });
    return { order: (await this.d.repo.findOrder(order.id))!, created };
  }

  /**
   * The store a new channel goes to: HQ any (or none), a manager only their own. A manager's
   * channel routes only to reps of their store (or to reps Siyu does not know yet).
   */
  /**
   * The store a new channel goes to. A manager's channel stays in their store and names only
   * reps of it, in every field that names staff (reps, backups, weights, per-rep hours): a
   * backup from another store would receive, and could open, this store's customers.
   */
  private async channelRepo(p: Principal, storeId: number | undefined, staff: Pick<NewChannel, 'staffUserIds' | 'routing'>): Promise<number | undefined> {
    requirePermission(p, 'channel.create');
    if (mayChooseAnyStore(p)) return storeId;
    const own = await this.storeFilter(p, storeId ?? p.storeId ?? undefined);
    if (own === undefined) throw badRequest('MP.NO_STORE', '当前账号未关联门店，无法创建渠道');
    const named = staffNamedBy(staff);
    const stores = await this.d.repo.staffStores(named);
    const foreign = named.find((u) => stores.has(u) && stores.get(u) !== own);
    if (foreign) throw badRequest('MP.STAFF_OTHER_STORE', `成员 ${foreign} 不属于本店，不能设为本店渠道的接待或备用成员`);
    return own;
  }

  private async withFunnel(channels: Channel[]): Promise<MpChannel[]> {
    if (!channels.length) return [];
    const to = shanghaiDayStart(this.d.clock.now()) + DAY_MS;
    const counts = await this.d.funnel.countSteps({ from: to - CHANNEL_FUNNEL_DAYS * DAY_MS, to, channelIds: channels.map((c) => c.id) });
    const byId = new Map(counts.map((c) => [c.channelId, c]));
    return channels.map((c) => {
      const n = byId.get(c.id);
      return { ...c, funnel: { scans: n?.scans ?? 0, leads: n?.leads ?? 0, adds: n?.adds ?? 0, firstOrders: n?.firstOrders ?? 0 } };
    });
  }
}

import type { QueryScope } from '../access/access.js';
import type { Order } from '../order/order.types.js';

export interface StoreRow {
  id: number;
  code: string;
  name: string;
}

/** What the dashboard counts on one Asia/Shanghai day. */
export interface DayCounts {
  scans: number;
  leads: number;
  /** Distinct customers who added a rep. */
  adds: number;
  /** Paid orders and their sum. */
  orders: number;
  revenueFen: number;
  /** Journey touches delivered (bot, WeCom template or rep task). */
  touchesSent: number;
  /** Messages customers sent in. */
  replies: number;
}

export type MpOrder = Order & { customerName: string | null };

export interface OrderFilter {
  customerId?: number;
  storeId?: number;
  limit: number;
  offset: number;
  /** Newest paid first, ties by id: only orders after this (paidAt, id). */
  after?: { paidAt: number; id: number };
  /** Count matching orders up to this many plus one. */
  countCap: number;
}

/** Reads behind the mini-program's dashboard, stores and orders, always through a QueryScope. */
export interface MpOperationsRepo {
  /** Stores by id; `storeId` narrows to one. */
  listStores(storeId: number | undefined, page: { limit: number; offset: number }): Promise<{ items: StoreRow[]; total: number }>;
  /**
   * Counts per day for `days` consecutive days of DAY_MS starting at `from` (index 0 = `from`'s
   * day). Scans and leads count by the channel's store (a rep: channels routed to them and
   * leads assigned to them); the rest by the customer's store and owner.
   */
  dailyCounts(scope: QueryScope, from: number, days: number): Promise<DayCounts[]>;
  /** Open tasks due before `before`. */
  tasksDue(scope: QueryScope, before: number): Promise<number>;
  /** Paid and refunded orders, newest payment first; a rep sees orders of the customers they own. */
  listOrders(scope: QueryScope, f: OrderFilter): Promise<{ items: MpOrder[]; counted: number; more: boolean }>;
  findOrder(id: number): Promise<MpOrder | undefined>;
  /** The store of each known staff member among `userIds` (unknown ids are absent). */
  staffStores(userIds: string[]): Promise<Map<string, number | null>>;
}

import type { CustomerRepo } from '../customer/customer.ports.js';
import type { Stage } from '../customer/customer.types.js';
import type { Order, OrderSource } from './order.types.js';

/** Thrown by insertOrder when (source, order_no) exists: a concurrent copy of the same order won. */
export class OrderExistsError extends Error {
  constructor() {
    super('order already recorded');
  }
}

export interface OrderQuery {
  customerId?: number;
  storeId?: number;
  from?: number;
  to?: number;
  limit: number;
  offset: number;
  /** Newest paid first, ties by id: only orders after this (paidAt, id) in that order. */
  after?: { paidAt: number; id: number };
  /** Count matching orders up to this many plus one. */
  countCap: number;
}

/** The customer's purchase aggregates right after one more order was counted. */
export interface PurchaseState {
  orderCount: number;
  stage: Stage;
  firstChannelId: number | null;
}

export interface OrderRepo {
  findOrder(source: string, orderNo: string): Promise<Order | undefined>;
  /** Throws OrderExistsError when the (source, order number) is taken. */
  insertOrder(o: Omit<Order, 'id'>): Promise<number>;
  listOrders(q: OrderQuery): Promise<{ items: Order[]; counted: number; more: boolean }>;
  /** Which of these (source, order number) pairs are recorded already, keyed `source|orderNo`. */
  existingOrderKeys(pairs: Array<{ source: string; orderNo: string }>): Promise<Set<string>>;
  /**
   * Counts one more paid order on the customer (count, total, first/last purchase) and returns
   * the aggregates after it; the update comes first so the row stays locked until commit.
   */
  countPurchase(customerId: number, amountFen: number, paidAt: number, now: number): Promise<PurchaseState>;
}

export interface OrderSourceRepo {
  insertSource(s: Omit<OrderSource, 'id'> & { secretEnc: string }): Promise<number>;
  findSource(key: string): Promise<(OrderSource & { secretEnc: string }) | undefined>;
  listSources(): Promise<OrderSource[]>;
  updateSource(key: string, patch: { active?: boolean; name?: string }): Promise<boolean>;
}

export const orderKey = (source: string, orderNo: string) => `${source}|${orderNo}`;

export interface OrderTx {
  customers: CustomerRepo;
  orders: OrderRepo;
}

/** Remembers a source's request nonces for 10 minutes; false when the nonce was used before. */
export interface NonceGuard {
  spend(sourceKey: string, nonce: string): Promise<boolean>;
}

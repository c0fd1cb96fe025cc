import type { ExecutionContext } from 'ava';
import { DAY_MS } from '../../src/domain/segment/rfm.js';
import { createDb, migrateLatest, type Db } from '../../src/persistence/db.js';
import { freshDatabase } from './backends.js';

export const NOW = Date.UTC(2026, 11, 1, 18, 0, 0);
export const daysAgo = (d: number, now = NOW) => now - d * DAY_MS;

/** Deterministic rng (mulberry32) so holdout draws are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A migrated database of the test's own, closed after the test. */
export async function segmentDb(t: ExecutionContext, storeIds: number[] = [1, 2]): Promise<Db> {
  const db = createDb(await freshDatabase(t));
  t.teardown(() => db.destroy());
  await migrateLatest(db);
  await db('stores').insert(storeIds.map((id) => ({ id, code: `s${id}`, name: `门店${id}`, created_at: 0 })));
  return db;
}

export interface TestCustomer {
  id: number;
  storeId: number;
  /** Days before NOW of the last purchase; null: never bought (order_count 0). */
  boughtDaysAgo?: number | null;
  lastPurchaseAt?: number | null;
  orderCount?: number;
  totalSpentFen?: number;
  lastInboundAt?: number | null;
  optedOut?: boolean;
  mergedInto?: number | null;
}

export async function addCustomers(db: Db, rows: readonly TestCustomer[]): Promise<void> {
  const toRow = (c: TestCustomer) => {
    const last = c.lastPurchaseAt !== undefined ? c.lastPurchaseAt : c.boughtDaysAgo == null ? null : daysAgo(c.boughtDaysAgo);
    return {
      id: c.id,
      store_id: c.storeId,
      name: `客户${c.id}`,
      order_count: c.orderCount ?? (last === null ? 0 : 1),
      total_spent_fen: c.totalSpentFen ?? (last === null ? 0 : 1000),
      first_purchase_at: last,
      last_purchase_at: last,
      last_inbound_at: c.lastInboundAt ?? null,
      opted_out: c.optedOut ?? false,
      merged_into: c.mergedInto ?? null,
      created_at: 0,
      updated_at: 0,
    };
  };
  for (let i = 0; i < rows.length; i += 200) await db('customers').insert(rows.slice(i, i + 200).map(toRow));
}

export async function addOrder(db: Db, o: { id: number; customerId: number; paidAt: number; status?: 'paid' | 'refunded'; storeId?: number }): Promise<void> {
  await db('orders').insert({
    id: o.id,
    store_id: o.storeId ?? 1,
    customer_id: o.customerId,
    source: 'admin',
    order_no: `o${o.id}`,
    amount_fen: 1000,
    status: o.status ?? 'paid',
    paid_at: o.paidAt,
    items: '[]',
    created_at: o.paidAt,
  });
}

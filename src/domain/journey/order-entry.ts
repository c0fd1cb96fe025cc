import type { PaidOrder } from '../order/order.types.js';

/** Why a newly recorded order starts no journey. */
export type OrderEntrySkip = 'imported' | 'too_old';

/**
 * The one rule deciding whether a newly recorded paid order may start `order_paid` journeys.
 *
 * - An import never does, whatever its rows say about their source: importing is how history
 *   arrives, and a customer must not be thanked for a purchase made months ago. This is decided
 *   by how the order arrived (`order.imported`), not by its source string, which an import row
 *   may set to anything (`pos:mall01`).
 * - A live order (POS, WeChat Pay, operator) does only while it is recent: paid at most `maxAgeMs`
 *   before now. A post-purchase journey speaks to a purchase just made ("thank you", a coupon
 *   10 minutes later); an order sent days late, or back-dated by an operator, would get every
 *   overdue step at once. Orders paid in the future (clock skew) count as recent.
 */
export function orderEntry(order: Pick<PaidOrder, 'paidAt' | 'imported'>, now: number, maxAgeMs: number): { enter: true } | { enter: false; reason: OrderEntrySkip } {
  if (order.imported) return { enter: false, reason: 'imported' };
  if (now - order.paidAt > maxAgeMs) return { enter: false, reason: 'too_old' };
  return { enter: true };
}

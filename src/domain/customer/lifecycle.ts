import type { Follow, Stage } from './customer.types.js';

/**
 * Lost customers (流失, stage `churned`): someone is lost when, after a deletion on either side,
 * no rep has them as a contact any more. Deleting one of two reps is not a loss: the other rep
 * can still reach them.
 */
export function isLost(follows: readonly Pick<Follow, 'status'>[]): boolean {
  return !follows.some((f) => f.status === 'active');
}

/**
 * The stage a lost customer returns to when they add a rep again: what their purchases say
 * (none: lead, one: new, more: repeat), as if they had never left. A purchase later moves them
 * on by the order rules (src/domain/order/stage.ts).
 */
export function stageOnReturn(orderCount: number): Stage {
  if (orderCount <= 0) return 'lead';
  return orderCount === 1 ? 'new' : 'repeat';
}

/** A customer who was just lost, as the notices and the `contact_lost` journeys need it. */
export interface LostCustomer {
  customerId: number;
  customerName: string;
  storeId: number | null;
  ownerUserId: string | null;
  /** The rep whose relationship ended last. */
  staffUserId: string;
  /** Who ended it: the customer deleted the rep, or the rep deleted the customer. */
  by: 'customer' | 'staff';
  eventId: number;
  at: number;
}

/** Who is told: the owner rep (or the rep of the deletion) and the store's managers, never the rep who deleted them themselves. */
export function lostNoticeRecipients(l: LostCustomer, managers: readonly string[]): string[] {
  const all = [l.ownerUserId ?? l.staffUserId, ...managers];
  return [...new Set(all)].filter((u) => !(l.by === 'staff' && u === l.staffUserId));
}

/** What telling staff and starting journeys about a lost customer needs. */
export interface LostCustomerDeps {
  /** The staff of a store (the notice goes to its active managers). */
  staffOf(storeId: number): Promise<Array<{ wecomUserId: string; role: string; active: boolean }>>;
  /** The notice text (template book keys notice.customer_lost / notice.customer_removed). */
  render(key: 'notice.customer_lost' | 'notice.customer_removed', storeId: number | null, vars: Record<string, string | number>): string | Promise<string>;
  /** A WeCom app message to staff. */
  notify(toUsers: string[], text: string): Promise<unknown>;
  /** Enters the customer into the enabled contact_lost journeys. */
  startJourneys(l: LostCustomer): Promise<unknown>;
}

/**
 * Tells the owner rep and the store's managers that a customer is lost, and starts the
 * contact_lost journeys. A failed notice does not keep the journeys from starting (and is
 * reported to the caller after them).
 */
export async function handleLostCustomer(d: LostCustomerDeps, l: LostCustomer): Promise<void> {
  const managers = l.storeId === null ? [] : (await d.staffOf(l.storeId)).filter((x) => x.active && x.role === 'store_manager').map((x) => x.wecomUserId);
  const to = lostNoticeRecipients(l, managers);
  let failure: unknown;
  if (to.length) {
    const text = await d.render(l.by === 'staff' ? 'notice.customer_removed' : 'notice.customer_lost', l.storeId, { customer: l.customerName || '（未留名）', customerId: l.customerId, rep: l.staffUserId });
    await d.notify(to, text).catch((e: unknown) => (failure = e));
  }
  await d.startJourneys(l);
  if (failure) throw failure;
}

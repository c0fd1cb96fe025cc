import { DEFAULT_HOLDOUT_PCT, assignHoldout } from './reactivation.js';
import type { DormantCustomer, DormantQuery, ReactivationRepo } from './segment.ports.js';

export const DEFAULT_DORMANT_DAYS = 60;
export const DEFAULT_NOT_TOUCHED_DAYS = 30;

export interface SelectDormantOptions {
  /** Omitted: every store in one pass (customers without a store are never dormant). */
  storeId?: number;
  now: number;
  /** For stores without a threshold of their own (stores.dormant_days); 60 when omitted. */
  dormantDays?: number;
  notTouchedWithinDays?: number;
  /** Page size. */
  limit?: number;
  afterId?: number;
}

/**
 * Dormant customers of a store: at least one order, no purchase and no inbound message for
 * `dormantDays` days (last_purchase_at ≤ now − N days and last_inbound_at absent or ≤ that),
 * not opted out, not merged, not entered into reactivation within `notTouchedWithinDays` days.
 * Customers who never bought are not dormant: they are leads, handled by other journeys.
 */
export async function* selectDormant(repo: ReactivationRepo, o: SelectDormantOptions): AsyncGenerator<DormantCustomer[]> {
  const q: DormantQuery = {
    storeId: o.storeId,
    now: o.now,
    dormantDays: o.dormantDays ?? DEFAULT_DORMANT_DAYS,
    notTouchedWithinDays: o.notTouchedWithinDays ?? DEFAULT_NOT_TOUCHED_DAYS,
    limit: o.limit ?? 1000,
    afterId: o.afterId,
  };
  for (;;) {
    const page = await repo.listDormant(q);
    if (page.length) yield page;
    if (page.length < q.limit) return;
    q.afterId = page[page.length - 1]!.customerId;
  }
}

/**
 * Enters a store's dormant customers into reactivation run `runId`: each page is split into a
 * random holdout and the treated rest, both arms are recorded (so the holdout is not selected
 * again within the touch window either) and move to the lifecycle stage 'dormant' (a purchase
 * then makes them 'reactivated'), and only the treated are handed to `touch`.
 */
export async function recordEntries(
  repo: ReactivationRepo,
  o: SelectDormantOptions & { runId: number; holdoutPct?: number; rng?: () => number; touch: (treated: DormantCustomer[]) => Promise<void> },
): Promise<{ treated: number; holdout: number }> {
  const out = { treated: 0, holdout: 0 };
  for await (const page of selectDormant(repo, o)) {
    const { treated, holdout } = assignHoldout(page, o.holdoutPct ?? DEFAULT_HOLDOUT_PCT, o.rng);
    const entry = (arm: 'treated' | 'holdout') => (c: DormantCustomer) => ({ customerId: c.customerId, storeId: c.storeId, runId: o.runId, segment: c.segment, arm, enteredAt: o.now });
    await repo.insertEntries([...treated.map(entry('treated')), ...holdout.map(entry('holdout'))]);
    await repo.markDormant(page.map((c) => c.customerId), o.now);
    if (treated.length) await o.touch(treated);
    out.treated += treated.length;
    out.holdout += holdout.length;
  }
  return out;
}

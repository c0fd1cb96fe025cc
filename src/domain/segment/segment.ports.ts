import type { QueryScope } from '../access/access.js';
import type { Arm, ArmCounts } from './reactivation.js';
import type { Segment, SegmentCounts } from './rfm.js';

export interface RfmRunCounts {
  total: SegmentCounts;
  byStore: Record<string, SegmentCounts>;
}

export interface RfmRun {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  customers: number | null;
  counts: RfmRunCounts | null;
}

export interface SegmentMove {
  /** null: not scored at the first run (entered since). */
  from: Segment | null;
  /** null: no longer scored at the second run (merged, refunded to no orders). */
  to: Segment | null;
  customers: number;
}

/**
 * RFM scores kept set-at-a-time in the database: no method returns or takes one row per
 * customer, so a run over a million customers keeps the process's memory flat.
 */
export interface RfmRepo {
  /** Opens a run scored as of `now`; returns its id. */
  startRun(now: number): Promise<number>;
  /** Every store id, ascending (customers without a store are not scored: no peers to rank against). */
  listStoreIds(): Promise<number[]>;
  /**
   * Scores every scored customer of the given stores as of the run's `now` (quintiles within
   * each store) and writes only what changed: new scores, scores that moved, customers of these
   * stores no longer scored (they leave), and a history row per segment change — atomically per
   * call. Re-running a store in the same run, or after a run that failed half-way, writes
   * nothing twice; a night where nobody's quintiles moved writes nothing at all.
   */
  scoreStores(runId: number, now: number, storeIds: readonly number[]): Promise<{ scored: number; changed: number; left: number }>;
  /**
   * Removes the scores left in stores that no longer exist (recording their leaving in the
   * history) and stores the run's segment counts.
   */
  finishRun(runId: number, finishedAt: number): Promise<{ left: number; customers: number; counts: RfmRunCounts }>;
  findRun(id: number): Promise<RfmRun | undefined>;
  /** Current customers per store and segment (only non-zero cells). */
  countSegments(storeId?: number): Promise<Array<{ storeId: number; segment: Segment; customers: number }>>;
  /**
   * Customers whose segment changed between two runs (fromRun < toRun), as counts per
   * from → to; a customer who changed and came back counts as from = to. Customers without
   * any change in between are not listed. With a store, only changes recorded in that store.
   */
  countMoves(fromRun: number, toRun: number, storeId?: number): Promise<SegmentMove[]>;
}

export interface DormantQuery {
  /** One store, or every store in one pass over the customers in id order (much cheaper than a pass per store). */
  storeId?: number;
  now: number;
  /**
   * No purchase and no inbound message for this many days (at least: exactly N days is dormant),
   * for stores without a threshold of their own (stores.dormant_days).
   */
  dormantDays: number;
  /** Customers entered into reactivation (either arm) less than this many days ago are skipped. */
  notTouchedWithinDays: number;
  limit: number;
  /** Keyset: only customers with a larger id. */
  afterId?: number;
}

export interface DormantCustomer {
  customerId: number;
  storeId: number;
  /** Current RFM segment; null when the customer has not been scored yet. */
  segment: Segment | null;
}

export interface NewReactivationEntry {
  customerId: number;
  storeId: number;
  runId: number;
  segment: Segment | null;
  arm: Arm;
  enteredAt: number;
}

export type LiftScope = { runId: number } | { from: number; to: number };

export interface ReactivationRepo {
  /** One page of dormant customers, ascending by id; see {@link DormantQuery}. */
  listDormant(q: DormantQuery): Promise<DormantCustomer[]>;
  /** Moves these customers' lifecycle stage to 'dormant' (from new, repeat or reactivated); returns how many moved. */
  markDormant(customerIds: readonly number[], now: number): Promise<number>;
  /** Inserts entries; an entry of a (run, customer) already recorded is skipped. Returns rows inserted. */
  insertEntries(entries: readonly NewReactivationEntry[]): Promise<number>;
  /**
   * Entries of a run (or entered within [from, to)) per segment and arm, with how many were
   * followed by a paid order within `conversionDays` after entered_at (entered_at < paid_at ≤
   * entered_at + conversionDays days). `within` narrows to a store's entries or a rep's customers.
   */
  countConversions(scope: LiftScope, conversionDays: number, within?: QueryScope): Promise<ArmCounts[]>;
}

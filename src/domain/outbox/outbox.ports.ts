import type { OutboxMessage, OutboxStatus } from './outbox.types.js';

/** A validated request as it is stored: every default filled in, no outcome yet. */
export type NewOutboxMessage = Pick<OutboxMessage, 'account' | 'dedupeKey' | 'action' | 'to' | 'text' | 'mentionIds' | 'customerId' | 'purpose' | 'dueAt' | 'createdAt'>;

/** What the bot account has waiting and done; `oldestPendingDueAt` shows how far behind the drain is. */
export interface OutboxStats {
  counts: Record<OutboxStatus, number>;
  oldestPendingDueAt: number | null;
}

/**
 * The durable outbox. Rows are claimed with a lease (`lease_owner`, `lease_until`): only the
 * holder may record the outcome, and a row whose lease ran out is claimable again, so a row a
 * dead process left in 'sending' is sent again (at-least-once). Methods taking `owner` return
 * false when the caller no longer holds the lease.
 */
export interface OutboxRepo {
  /**
   * Stores the rows and returns their ids in order. A row whose dedupe key is stored already is
   * not written again: its id is that of the existing row (also for two equal keys in one call).
   */
  insertMessages(rows: NewOutboxMessage[]): Promise<number[]>;
  /**
   * Leases up to `limit` of the account's rows to `owner` until `leaseUntil`, oldest due first:
   * pending rows due by `now` and 'sending' rows whose lease ended before `now` (taking one over
   * counts the attempt its dead holder made). Of two callers racing, each row goes to one.
   */
  claimDue(account: string, owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxMessage[]>;
  markSent(id: number, owner: string, now: number): Promise<boolean>;
  /** Back to pending, due at `dueAt`, with the attempt count and a short error code. */
  reschedule(id: number, owner: string, r: { attempts: number; dueAt: number; lastError: string }): Promise<boolean>;
  markFailed(id: number, owner: string, r: { attempts: number; lastError: string }): Promise<boolean>;
  /**
   * With `owner`: cancels a row that caller holds. Without: cancels a row that is still pending
   * (an operator's cancel never races a send in flight).
   */
  cancel(id: number, reason: string, owner?: string): Promise<boolean>;
  /** Gives back leased rows that were not attempted, unchanged otherwise (e.g. on stop). */
  release(ids: number[], owner: string): Promise<void>;
  countByStatus(account: string): Promise<OutboxStats>;
  /** When the account last sent anything, so pacing survives a process restart. */
  lastSentAt(account: string): Promise<number | null>;
  /** Most recent first. */
  listByCustomer(customerId: number, limit: number): Promise<OutboxMessage[]>;
  findMessage(id: number): Promise<OutboxMessage | undefined>;
}

/** Which of these customers asked not to receive marketing (a merged customer counts as its target). */
export interface OptOutLookup {
  optedOut(customerIds: number[]): Promise<Set<number>>;
}

import type { SettledWelcome } from './acquisition.ports.js';

/** An inbound WeCom event as kept durably before it is acknowledged. */
export interface NewInboundEvent {
  dedupeKey: string;
  kind: string;
  fields: Record<string, unknown>;
  receivedAt: number;
  /** false for events only recorded (nothing handles them yet): they are stored as done. */
  needsWork?: boolean;
}

export interface InboundEvent extends NewInboundEvent {
  id: number;
  attempts: number;
  /** An add whose welcome was settled while the rest was deferred (welcome-schedule.ts). */
  welcome?: SettledWelcome;
}

/**
 * The durable inbox. A row is written before WeCom gets its 200, owned by the process that
 * wrote it (a lease), and completed, retried later or failed by whoever holds the lease.
 */
export interface EventQueueRepo {
  /** Inserts rows leased to `owner`; rows whose key exists already are ignored (redeliveries). */
  insertEvents(rows: NewInboundEvent[], owner: string, leaseUntil: number): Promise<void>;
  /** Ids of the rows among keys that `owner` inserted (i.e. the new ones). */
  ownedIds(keys: string[], owner: string): Promise<Map<string, number>>;
  /** Leases due rows: pending ones whose retry time has come and processing ones whose lease ran out. */
  claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboundEvent[]>;
  complete(id: number, customerId: number | null, now: number): Promise<void>;
  completeMany(rows: Array<{ id: number; customerId: number | null }>, now: number): Promise<void>;
  retryLater(id: number, error: string, at: number): Promise<void>;
  fail(id: number, error: string, now: number): Promise<void>;
  /**
   * Adds whose welcome is settled and whose rest waits for the pressure to pass: the outcome is
   * kept on the row and the lease extended to `leaseUntil`, so the row is resumed (without a
   * second welcome) by whoever holds it then, this process or a sweep after it died.
   */
  deferAdds(rows: Array<{ id: number; welcome: SettledWelcome }>, leaseUntil: number): Promise<void>;
}

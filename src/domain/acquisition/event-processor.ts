import type { Clock } from '../../shared/clock.js';
import { isAppError } from '../../shared/errors.js';
import { randomToken } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { AcquisitionService } from './acquisition.service.js';
import type { ContactEvent } from './contact-event.js';
import type { EventQueueRepo, InboundEvent, NewInboundEvent } from './event-queue.ports.js';

export interface EventProcessorDeps {
  queue: EventQueueRepo;
  acquisition: AcquisitionService;
  decode: (fields: Record<string, unknown>) => ContactEvent | undefined;
  clock: Clock;
  log: Logger;
  onOutcome?: (kind: string, outcome: 'done' | 'ignored' | 'retry' | 'failed') => void;
  onInFlight?: (n: number) => void;
  /** How long a claim is held before another process may take the row over. */
  leaseMs?: number;
  maxAttempts?: number;
  concurrency?: number;
}

/**
 * Works through inbound events after they are durable: the fresh ones straight away in the
 * process that accepted them, the rest (retries, rows of a process that died) through `sweep`,
 * which any instance may run. Failures never escape: they become a retry with backoff or, after
 * maxAttempts or a permanent error, a failed row that stays visible.
 */
export class EventProcessor {
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: EventProcessorDeps) {
    this.leaseMs = d.leaseMs ?? 60_000;
    this.maxAttempts = d.maxAttempts ?? 8;
    this.concurrency = d.concurrency ?? 64;
  }

  /** Called with a batch just committed by the inbox under `owner`. */
  dispatch(owner: string, batch: NewInboundEvent[]): Promise<void> {
    return this.track(this.dispatchNow(owner, batch));
  }

  private async dispatchNow(owner: string, batch: NewInboundEvent[]): Promise<void> {
    let ids: Map<string, number>;
    try {
      ids = await this.d.queue.ownedIds(batch.map((e) => e.dedupeKey), owner);
    } catch (e) {
      // The rows are durable and leased; the sweep picks them up when the lease runs out.
      this.d.log.error({ err: (e as Error).message, count: batch.length }, 'could not read back committed events; sweep will retry');
      return;
    }
    await Promise.all(
      batch.map((e) => {
        const id = ids.get(e.dedupeKey);
        return id === undefined ? undefined : this.run({ ...e, id, attempts: 1 });
      }),
    );
  }

  /** Claims and processes due rows; returns how many were taken. */
  async sweep(limit = 100): Promise<number> {
    const now = this.d.clock.now();
    const rows = await this.d.queue.claimDue(`sweep-${randomToken(8)}`, now, now + this.leaseMs, limit);
    await Promise.all(rows.map((r) => this.run(r)));
    return rows.length;
  }

  /** Resolves when everything in flight has finished (for shutdown and tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private run(e: InboundEvent): Promise<void> {
    return this.track(this.withSlot(() => this.process(e)));
  }

  /** Everything in flight, including a dispatch still reading ids, is visible to drain(). */
  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async withSlot(fn: () => Promise<void>): Promise<void> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    this.d.onInFlight?.(this.running);
    try {
      await fn();
    } finally {
      this.running--;
      this.d.onInFlight?.(this.running);
      this.waiting.shift()?.();
    }
  }

  private async process(e: InboundEvent): Promise<void> {
    const contact = this.d.decode(e.fields);
    try {
      if (!contact) {
        // Group, tag-library and message events are recorded for the features that will read them.
        await this.d.queue.complete(e.id, null, this.d.clock.now());
        this.d.onOutcome?.(e.kind, 'ignored');
        return;
      }
      const r = await this.d.acquisition.handle(contact, { eventId: e.id, receivedAt: e.receivedAt });
      await this.d.queue.complete(e.id, r.customerId, this.d.clock.now());
      this.d.onOutcome?.(e.kind, 'done');
      this.d.log.info({ eventId: e.id, kind: e.kind, customerId: r.customerId, welcome: r.welcome }, 'callback event processed');
    } catch (err) {
      const message = (err as Error).message?.slice(0, 250) ?? 'unknown error';
      const permanent = isAppError(err) && !err.transient && err.status < 500;
      try {
        if (permanent || e.attempts >= this.maxAttempts) {
          await this.d.queue.fail(e.id, message, this.d.clock.now());
          this.d.onOutcome?.(e.kind, 'failed');
          this.d.log.error({ eventId: e.id, kind: e.kind, attempts: e.attempts, err: message }, 'callback event failed for good');
        } else {
          const delay = Math.min(5 * 60_000, 1000 * 2 ** (e.attempts - 1));
          await this.d.queue.retryLater(e.id, message, this.d.clock.now() + delay);
          this.d.onOutcome?.(e.kind, 'retry');
          this.d.log.warn({ eventId: e.id, kind: e.kind, attempts: e.attempts, retryInMs: delay, err: message }, 'callback event will be retried');
        }
      } catch (e2) {
        // Even the bookkeeping failed (database down): the lease expires and the sweep retries.
        this.d.log.error({ eventId: e.id, err: (e2 as Error).message }, 'could not record event outcome; lease will expire');
      }
    }
  }
}

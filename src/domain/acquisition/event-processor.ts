import type { Clock } from '../../shared/clock.js';
import { isAppError } from '../../shared/errors.js';
import { randomToken } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { isAddEvent, type AcquisitionService } from './acquisition.service.js';
import type { ContactEvent } from './contact-event.js';
import type { EventQueueRepo, InboundEvent, NewInboundEvent } from './event-queue.ports.js';

/** How many add events share one transaction. */
const ADD_BATCH = 100;

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
  /**
   * A dependency that is down (WeCom unreachable or rate-limited, the database away) is waited
   * out this long from the event's arrival, whatever the attempt count: an outage of hours must
   * not turn adds into failed rows. Default 24 h.
   */
  outageBudgetMs?: number;
  /** Errors beyond transient AppErrors that mean "a dependency is down" (the database driver's). */
  isTransient?: (e: unknown) => boolean;
  concurrency?: number;
}

/**
 * Works through inbound events after they are durable: the fresh ones straight away in the
 * process that accepted them, the rest (retries, rows of a process that died) through `sweep`,
 * which any instance may run. Failures never escape: they become a retry with backoff or, after
 * maxAttempts (a bug, bad data) or a permanent error, a failed row that stays visible. A
 * dependency outage is retried, at most every 5 minutes, for outageBudgetMs.
 */
export class EventProcessor {
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly outageBudgetMs: number;
  private readonly concurrency: number;
  private running = 0;
  private stopped = false;
  private readonly waiting: Array<() => void> = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: EventProcessorDeps) {
    this.leaseMs = d.leaseMs ?? 60_000;
    this.maxAttempts = d.maxAttempts ?? 8;
    this.outageBudgetMs = d.outageBudgetMs ?? 24 * 3600_000;
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
    const owned: InboundEvent[] = [];
    for (const e of batch) {
      const id = ids.get(e.dedupeKey);
      if (id !== undefined) owned.push({ ...e, id, attempts: 1 });
    }
    await this.processAll(owned);
  }

  /** Claims and processes due rows; returns how many were taken. */
  async sweep(limit = 100): Promise<number> {
    const now = this.d.clock.now();
    const rows = await this.d.queue.claimDue(`sweep-${randomToken(8)}`, now, now + this.leaseMs, limit);
    await this.track(this.processAll(rows));
    return rows.length;
  }

  /** Resolves when everything in flight has finished (for tests, and after stop()). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /**
   * Shutdown: events still waiting for a slot are left alone (they are durable and leased, so
   * the sweep of this or another instance takes them), and the ones being processed finish.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.waiting.splice(0)) wake();
    await this.drain();
  }

  /**
   * Adds go through the acquisition service in batches (a few statements per batch); other
   * events one by one; events nobody handles yet are completed together.
   */
  private async processAll(events: InboundEvent[]): Promise<void> {
    const adds: Array<{ event: InboundEvent; contact: ContactEvent }> = [];
    const others: Array<{ event: InboundEvent; contact: ContactEvent }> = [];
    const ignored: InboundEvent[] = [];
    for (const event of events) {
      const contact = this.d.decode(event.fields);
      if (!contact) ignored.push(event);
      else (isAddEvent(contact) ? adds : others).push({ event, contact });
    }
    const work: Array<Promise<void>> = [];
    if (ignored.length) work.push(this.withSlot(() => this.completeIgnored(ignored)));
    for (let i = 0; i < adds.length; i += ADD_BATCH) {
      const chunk = adds.slice(i, i + ADD_BATCH);
      work.push(this.withSlot(() => this.processAdds(chunk)));
    }
    for (const o of others) work.push(this.withSlot(() => this.processOne(o.event, o.contact)));
    await Promise.all(work);
  }

  private async completeIgnored(events: InboundEvent[]): Promise<void> {
    try {
      // Group, tag-library and message events are recorded for the features that will read them.
      await this.d.queue.completeMany(events.map((e) => ({ id: e.id, customerId: null })), this.d.clock.now());
      for (const e of events) this.d.onOutcome?.(e.kind, 'ignored');
    } catch (err) {
      this.d.log.error({ err: (err as Error).message, count: events.length }, 'could not complete ignored events; lease will expire');
    }
  }

  private async processAdds(chunk: Array<{ event: InboundEvent; contact: ContactEvent }>): Promise<void> {
    try {
      // The events are marked done inside the acquisition transaction.
      await this.d.acquisition.handleAdds(
        chunk.map((c) => ({ e: c.contact, ctx: { eventId: c.event.id, receivedAt: c.event.receivedAt } })),
        { completeEvents: true },
      );
      for (const c of chunk) this.d.onOutcome?.(c.event.kind, 'done');
    } catch (err) {
      // A batch that fails is retried event by event, so one bad event cannot hold the others back.
      if (chunk.length > 1) {
        await Promise.all(chunk.map((c) => this.processOne(c.event, c.contact)));
        return;
      }
      await this.failed(chunk[0]!.event, err);
    }
  }

  private async processOne(e: InboundEvent, contact: ContactEvent): Promise<void> {
    try {
      const r = await this.d.acquisition.handle(contact, { eventId: e.id, receivedAt: e.receivedAt });
      await this.d.queue.complete(e.id, r.customerId, this.d.clock.now());
      this.d.onOutcome?.(e.kind, 'done');
      this.d.log.debug({ eventId: e.id, kind: e.kind, customerId: r.customerId, welcome: r.welcome }, 'callback event processed');
    } catch (err) {
      await this.failed(e, err);
    }
  }

  private async failed(e: InboundEvent, err: unknown): Promise<void> {
    const message = (err as Error).message?.slice(0, 250) ?? 'unknown error';
    const permanent = isAppError(err) && !err.transient && err.status < 500;
    const outage = (isAppError(err) && err.transient) || !!this.d.isTransient?.(err);
    const now = this.d.clock.now();
    const giveUp = permanent || (e.attempts >= this.maxAttempts && !(outage && now - e.receivedAt < this.outageBudgetMs));
    try {
      if (giveUp) {
        await this.d.queue.fail(e.id, message, now);
        this.d.onOutcome?.(e.kind, 'failed');
        this.d.log.error({ eventId: e.id, kind: e.kind, attempts: e.attempts, err: message }, 'callback event failed for good');
      } else {
        const delay = Math.min(5 * 60_000, 1000 * 2 ** Math.min(e.attempts - 1, 20));
        await this.d.queue.retryLater(e.id, message, now + delay);
        this.d.onOutcome?.(e.kind, 'retry');
        this.d.log.warn({ eventId: e.id, kind: e.kind, attempts: e.attempts, retryInMs: delay, err: message }, 'callback event will be retried');
      }
    } catch (e2) {
      // Even the bookkeeping failed (database down): the lease expires and the sweep retries.
      this.d.log.error({ eventId: e.id, err: (e2 as Error).message }, 'could not record event outcome; lease will expire');
    }
  }

  /** Everything in flight, including a dispatch still reading ids, is visible to drain(). */
  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async withSlot(fn: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    if (this.stopped) return;
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
}

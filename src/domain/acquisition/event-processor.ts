import type { Clock } from '../../shared/clock.js';
import { isAppError } from '../../shared/errors.js';
import { randomToken } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { SettledWelcome } from './acquisition.ports.js';
import { isAddEvent, type AcquisitionService } from './acquisition.service.js';
import type { ContactEvent } from './contact-event.js';
import type { EventQueueRepo, InboundEvent, NewInboundEvent } from './event-queue.ports.js';
import { DEFAULT_SCHEDULE, isPressed, mayRunDeferred, nextWelcomes, type SchedulePolicy } from './welcome-schedule.js';

/** How many add events share one transaction. */
const ADD_BATCH = 100;
/** How many welcomes one unit of work starts together: small, so the freshest are picked often. */
const WELCOME_UNIT = 16;

/** An add in this process's pool: waiting for its welcome, or settled and waiting for the rest. */
interface PooledAdd {
  event: InboundEvent;
  contact: ContactEvent;
  receivedAt: number;
  welcome?: SettledWelcome;
  /** Resolves the wait of whoever pooled it (a dispatch or sweep) once it is processed, retried or left at stop. */
  done: () => void;
}

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
  /** When to fall behind into welcomes-only mode, and what can still make the window (welcome-schedule.ts). */
  schedule?: SchedulePolicy;
  /** Units of add work in flight at once (each up to WELCOME_UNIT welcomes or ADD_BATCH deferred adds). */
  addConcurrency?: number;
  /** How long a row whose rest was deferred stays leased to this process before a sweep may resume it. */
  deferLeaseMs?: number;
  /** Adds whose welcome was settled (sent or skipped) and whose rest was deferred, with the outcomes. */
  onDeferred?: (welcomes: SettledWelcome[]) => void;
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
  private readonly schedule: SchedulePolicy;
  private running = 0;
  /** Adds not yet welcomed, and adds whose welcome is settled but whose rest waits (durably leased). */
  private awaitingWelcome: PooledAdd[] = [];
  private readonly deferred: PooledAdd[] = [];
  /** Event ids in the pool, so a sweep that re-claims a pooled row does not queue it twice. */
  private readonly pooled = new Set<number>();
  private addUnits = 0;
  private deferredUnits = 0;
  /** Welcome-only units in flight: the catch-up is not over while they run. */
  private catchingUp = 0;
  private pressed = false;
  private stopped = false;
  private readonly waiting: Array<() => void> = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: EventProcessorDeps) {
    this.leaseMs = d.leaseMs ?? 60_000;
    this.maxAttempts = d.maxAttempts ?? 8;
    this.outageBudgetMs = d.outageBudgetMs ?? 24 * 3600_000;
    this.concurrency = d.concurrency ?? 64;
    this.schedule = d.schedule ?? DEFAULT_SCHEDULE;
  }

  /** Another processor over the same parts with some options changed (e.g. a second instance in a test). */
  withOptions(over: Partial<EventProcessorDeps>): EventProcessor {
    return new EventProcessor({ ...this.d, ...over });
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
    // Pooled adds stay leased in the inbox (deferred ones with their welcome): a sweep resumes them.
    for (const a of this.awaitingWelcome.splice(0).concat(this.deferred.splice(0))) a.done();
    await this.drain();
  }

  /**
   * Adds go to the pool, worked through by welcome deadline (pump); other events one by one;
   * events nobody handles yet are completed together.
   */
  private async processAll(events: InboundEvent[]): Promise<void> {
    const others: Array<{ event: InboundEvent; contact: ContactEvent }> = [];
    const ignored: InboundEvent[] = [];
    const adds: Array<Promise<void>> = [];
    for (const event of events) {
      const contact = this.d.decode(event.fields);
      if (!contact) ignored.push(event);
      else if (isAddEvent(contact)) adds.push(this.pool(event, contact));
      else others.push({ event, contact });
    }
    this.pump();
    const work: Array<Promise<void>> = [...adds];
    if (ignored.length) work.push(this.withSlot(() => this.completeIgnored(ignored)));
    for (const o of others) work.push(this.withSlot(() => this.processOne(o.event, o.contact)));
    await Promise.all(work);
  }

  private pool(event: InboundEvent, contact: ContactEvent): Promise<void> {
    if (this.pooled.has(event.id)) return Promise.resolve();
    this.pooled.add(event.id);
    // With no WelcomeCode (an admin-configured welcome) nothing in the add has a deadline.
    const welcome = event.welcome ?? (contact.welcomeCode ? undefined : { outcome: 'none' as const });
    return new Promise<void>((done) => {
      const add: PooledAdd = { event, contact, receivedAt: event.receivedAt, welcome, done };
      (welcome ? this.deferred : this.awaitingWelcome).push(add);
    });
  }

  /**
   * Starts add work while there is room, in the order welcome-schedule.ts decides: the freshest
   * welcomes first; adds past their window settled as expired and deferred; when behind, welcomes
   * only (the rest deferred, kept on the leased row); deferred adds once the pressure is gone.
   */
  private pump(): void {
    const maxUnits = this.d.addConcurrency ?? 8;
    while (!this.stopped && this.addUnits < maxUnits) {
      const now = this.d.clock.now();
      const { send, expired, rest } = nextWelcomes(this.awaitingWelcome, now, this.schedule, WELCOME_UNIT);
      const oldest = rest.length ? Math.min(...rest.map((a) => a.receivedAt)) : send.at(-1)?.receivedAt;
      this.pressed = isPressed({ count: send.length + rest.length, oldestReceivedAt: oldest, wasPressed: this.pressed, catchingUp: this.catchingUp }, now, this.schedule);
      this.awaitingWelcome = rest;
      if (expired.length) this.settleExpired(expired);
      if (send.length) {
        if (this.pressed) this.startUnit(() => this.welcomeFirst(send), 'catch-up');
        else this.startUnit(() => this.processAdds(send));
        continue;
      }
      // Deferred work takes at most half the units, so fresh adds always find room.
      if (this.deferred.length && mayRunDeferred(this.awaitingWelcome.length, this.pressed) && this.deferredUnits < Math.max(1, maxUnits / 2)) {
        this.startUnit(() => this.processAdds(this.deferred.splice(0, ADD_BATCH)), 'deferred');
        continue;
      }
      return;
    }
  }

  private startUnit(fn: () => Promise<void>, kind?: 'catch-up' | 'deferred'): void {
    this.addUnits++;
    if (kind === 'catch-up') this.catchingUp++;
    if (kind === 'deferred') this.deferredUnits++;
    const done = fn().finally(() => {
      this.addUnits--;
      if (kind === 'catch-up') this.catchingUp--;
      if (kind === 'deferred') this.deferredUnits--;
      this.pump();
    });
    void this.track(done);
  }

  /** Adds that can no longer make their window: no welcome attempt, the add itself processed later. */
  private settleExpired(adds: PooledAdd[]): void {
    for (const a of adds) a.welcome = this.d.acquisition.skippedWelcome();
    this.deferred.push(...adds);
    void this.track(this.keepDeferred(adds));
  }

  /** Behind: only the welcomes now; the rest waits on the leased row, with the outcome beside it. */
  private async welcomeFirst(adds: PooledAdd[]): Promise<void> {
    let outcomes: SettledWelcome[];
    try {
      outcomes = await this.d.acquisition.welcomeOnly(adds.map((a) => ({ e: a.contact, ctx: { eventId: a.event.id, receivedAt: a.receivedAt } })));
    } catch (err) {
      // The channel could not be read (database away): the full path retries these with the rest.
      this.d.log.warn({ count: adds.length, err: (err as Error).message }, 'welcomes not sent ahead; deferred with the rest');
      this.deferred.push(...adds);
      return;
    }
    adds.forEach((a, i) => (a.welcome = outcomes[i]));
    this.deferred.push(...adds);
    await this.keepDeferred(adds);
  }

  private async keepDeferred(adds: PooledAdd[]): Promise<void> {
    const settled = adds.filter((a): a is PooledAdd & { welcome: SettledWelcome } => !!a.welcome);
    try {
      await this.d.queue.deferAdds(
        settled.map((a) => ({ id: a.event.id, welcome: a.welcome })),
        this.d.clock.now() + (this.d.deferLeaseMs ?? 5 * 60_000),
      );
    } catch (err) {
      // Still leased to us and still in the pool; if we die now the welcome may be tried again (41051 or expired).
      this.d.log.warn({ count: settled.length, err: (err as Error).message }, 'deferred welcomes not recorded on their rows');
    }
    this.d.onDeferred?.(settled.map((a) => a.welcome));
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

  private async processAdds(chunk: PooledAdd[]): Promise<void> {
    try {
      // The events are marked done inside the acquisition transaction.
      await this.d.acquisition.handleAdds(
        chunk.map((c) => ({ e: c.contact, ctx: this.ctxOf(c) })),
        { completeEvents: true },
      );
      for (const c of chunk) this.d.onOutcome?.(c.event.kind, 'done');
    } catch (err) {
      // A batch that fails is retried event by event, so one bad event cannot hold the others back.
      if (chunk.length > 1) await Promise.all(chunk.map((c) => this.processOne(c.event, c.contact, c.welcome)));
      else await this.failed(chunk[0]!.event, err);
    } finally {
      for (const c of chunk) {
        this.pooled.delete(c.event.id);
        c.done();
      }
    }
  }

  private ctxOf(c: PooledAdd) {
    return { eventId: c.event.id, receivedAt: c.receivedAt, ...(c.welcome ? { welcome: c.welcome } : {}) };
  }

  private async processOne(e: InboundEvent, contact: ContactEvent, welcome?: SettledWelcome): Promise<void> {
    try {
      const r = await this.d.acquisition.handle(contact, { eventId: e.id, receivedAt: e.receivedAt, ...(welcome ? { welcome } : {}) });
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

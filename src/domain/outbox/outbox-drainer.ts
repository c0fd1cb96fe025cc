import type { Clock } from '../../shared/clock.js';
import { mayReceive, outboxClass } from '../customer/messaging-policy.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { OptOutLookup, OutboxRepo } from './outbox.ports.js';
import type { OutboundPort, OutboxMessage } from './outbox.types.js';

export type DrainOutcome = 'sent' | 'retry' | 'failed' | 'cancelled';

export interface OutboxDrainerDeps {
  /** The bot account whose rows this drainer sends. */
  account: string;
  repo: OutboxRepo;
  optOut: OptOutLookup;
  port: OutboundPort;
  clock: Clock;
  /** Waits `ms` by the clock; may end early (resolve or reject) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1), like Math.random. */
  random(): number;
  log: Logger;
  /** Bot actions a minute at most: consecutive sends are 60000/ratePerMinute ms apart, plus jitter. */
  ratePerMinute: number;
  /** A random extra gap in [0, jitterMs] after each send, so the cadence does not look mechanical. */
  jitterMs: number;
  /** Attempts before a row is failed for good. */
  maxAttempts: number;
  /** Retry n waits min(backoffMaxMs, backoffBaseMs * 2^(n-1)). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** After the vendor says 'too fast' (BOT.RATE_LIMITED), nothing is sent for this long. */
  breakerMs: number;
  /** How long a claim is held beyond the paced schedule of its batch (covers slow sends). */
  leaseMs: number;
  /** Lease owner id: unique per process. */
  owner: string;
  /** Rows claimed at once; default 5. Small, since the lease must cover the whole paced batch. */
  batchSize?: number;
  /** Wait between polls while nothing is due; default 1000 ms. */
  pollMs?: number;
  onResult?(outcome: DrainOutcome): void;
}

/** A short, safe code for last_error and logs: never the error's free text, which may quote the message. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const raw = typeof code === 'string' && code ? code : err instanceof Error ? err.name : 'UNKNOWN';
  return raw.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64);
}

/**
 * Sends one bot account's outbox rows through the OutboundPort, never faster than
 * `ratePerMinute` (a bot that sends too fast gets the account banned).
 *
 * Pacing lives in this object: it remembers when it last sent (seeded from the newest sent_at
 * on its first drain, so a restarted process does not burst) and holds every send until the
 * spacing plus jitter has passed. It is therefore correct only with ONE drainer per account:
 * the bot role holds a per-account lock and runs exactly one. Other drainers may still claim
 * safely (leases), they just do not share the pace.
 *
 * Outcomes: sent; BOT.NOT_FOUND fails the row at once; BOT.RATE_LIMITED opens a breaker for
 * `breakerMs` (nothing sent, the row and the rest of the batch wait); any other error retries
 * with exponential backoff until `maxAttempts`, then the row is failed with the error's code.
 * Marketing is re-checked against opt-out just before it is sent. Message texts are never logged.
 */
export class OutboxDrainer {
  private readonly spacingMs: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly log: Logger;
  private lastSendAt: number | undefined;
  private seeded = false;
  private gapMs = 0;
  private breakerUntil = 0;
  private turn: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private abort: AbortController | undefined;

  constructor(private readonly d: OutboxDrainerDeps) {
    if (!(d.ratePerMinute > 0) || !Number.isFinite(d.ratePerMinute)) throw new AppError('OUTBOX.CONFIG', '机器人发送速率配置不合法');
    if (!Number.isInteger(d.jitterMs) || d.jitterMs < 0 || !(d.maxAttempts >= 1) || !(d.breakerMs >= 0) || !(d.leaseMs > 0)) throw new AppError('OUTBOX.CONFIG', '机器人发件箱配置不合法');
    this.spacingMs = Math.ceil(60_000 / d.ratePerMinute);
    this.batchSize = d.batchSize ?? 5;
    this.pollMs = d.pollMs ?? 1000;
    this.log = d.log.child({ module: 'outbox-drainer', account: d.account });
  }

  /**
   * Claims the due rows (a small batch, oldest due first) and works through them one by one at
   * the paced rate. Returns how many rows got an outcome. Calls are serialised, so a manual
   * call never runs beside the loop's.
   */
  drainOnce(): Promise<number> {
    const run = this.turn.then(() => this.drainBatch());
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Runs drainOnce until stop(), waiting pollMs whenever nothing was due (or the breaker is open). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  /**
   * Ends the loop after the send in flight (if any) is recorded; claimed rows not yet sent are
   * given back. Until start() is called again, drainOnce does nothing.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let handled = 0;
      try {
        handled = await this.drainOnce();
      } catch (err) {
        // Usually the database: rows stay leased and are taken again once the lease runs out.
        this.log.error({ err: errorCode(err) }, 'outbox drain failed; will poll again');
      }
      if (!handled) await this.pause(Math.max(this.pollMs, this.breakerUntil - this.d.clock.now()));
    }
  }

  private async drainBatch(): Promise<number> {
    if (!this.seeded) {
      const last = await this.d.repo.lastSentAt(this.d.account);
      if (last !== null && this.lastSendAt === undefined) this.noteSend(last);
      this.seeded = true;
    }
    const now = this.d.clock.now();
    if (this.stopping || now < this.breakerUntil) return 0;
    const leaseUntil = now + this.d.leaseMs + this.batchSize * (this.spacingMs + this.d.jitterMs);
    const batch = await this.d.repo.claimDue(this.d.account, this.d.owner, now, leaseUntil, this.batchSize);
    let handled = 0;
    for (let i = 0; i < batch.length; i++) {
      const outcome = this.d.clock.now() < this.breakerUntil || this.stopping ? undefined : await this.handle(batch[i]!);
      if (!outcome) {
        await this.d.repo.release(batch.slice(i).map((m) => m.id), this.d.owner);
        break;
      }
      handled++;
      this.d.onResult?.(outcome);
    }
    return handled;
  }

  /** One row's outcome, or undefined when it was not attempted (stopping) and must be given back. */
  private async handle(m: OutboxMessage): Promise<DrainOutcome | undefined> {
    if (m.attempts >= this.d.maxAttempts) {
      // Taken over after its holders died this many times: stop before it kills another one.
      return this.record(m, 'failed', 'abandoned', m.attempts);
    }
    if (!(await this.waitForSlot())) return undefined;
    const cls = outboxClass(m.purpose);
    if (m.customerId !== null && !mayReceive({ optedOut: true }, cls) && !mayReceive({ optedOut: (await this.d.optOut.optedOut([m.customerId])).has(m.customerId) }, cls)) {
      // No send happened, so the slot stays free for the next row.
      await this.recordHeld(m, this.d.repo.cancel(m.id, 'opted_out', this.d.owner));
      this.log.info({ outboxId: m.id, customerId: m.customerId }, 'marketing cancelled: customer opted out');
      return 'cancelled';
    }
    this.noteSend(this.d.clock.now());
    try {
      if (m.action === 'remove') {
        if (m.to.kind !== 'room' || !m.mentionIds[0]) throw new AppError('OUTBOX.INVALID', '移出群成员需要群和成员');
        await this.d.port.removeMember(m.to.roomId, m.mentionIds[0]);
      } else {
        await this.d.port.sendText(m.to, m.text, m.mentionIds.length ? { mentionIds: m.mentionIds } : undefined);
      }
    } catch (err) {
      return this.failed(m, err);
    }
    await this.recordHeld(m, this.d.repo.markSent(m.id, this.d.owner, this.d.clock.now()));
    this.log.debug({ outboxId: m.id, action: m.action, purpose: m.purpose }, 'outbox message sent');
    return 'sent';
  }

  private async failed(m: OutboxMessage, err: unknown): Promise<DrainOutcome> {
    const code = errorCode(err);
    const attempts = m.attempts + 1;
    const now = this.d.clock.now();
    if (code === 'BOT.RATE_LIMITED') {
      this.breakerUntil = now + this.d.breakerMs;
      this.log.warn({ outboxId: m.id, attempts, pauseMs: this.d.breakerMs }, 'bot rate limited by the vendor; sending paused');
      if (attempts < this.d.maxAttempts) return this.record(m, 'retry', code, attempts, this.breakerUntil);
    } else if (code !== 'BOT.NOT_FOUND' && attempts < this.d.maxAttempts) {
      const delay = Math.min(this.d.backoffMaxMs, this.d.backoffBaseMs * 2 ** (attempts - 1));
      this.log.warn({ outboxId: m.id, attempts, retryInMs: delay, err: code }, 'outbox send failed; will retry');
      return this.record(m, 'retry', code, attempts, now + delay);
    }
    return this.record(m, 'failed', code, attempts);
  }

  private async record(m: OutboxMessage, outcome: 'retry' | 'failed', code: string, attempts: number, dueAt = 0): Promise<DrainOutcome> {
    const r = { attempts, lastError: code, dueAt };
    await this.recordHeld(m, outcome === 'retry' ? this.d.repo.reschedule(m.id, this.d.owner, r) : this.d.repo.markFailed(m.id, this.d.owner, r));
    if (outcome === 'failed') this.log.error({ outboxId: m.id, attempts, err: code }, 'outbox message failed for good');
    return outcome;
  }

  private async recordHeld(m: OutboxMessage, write: Promise<boolean>): Promise<void> {
    // The lease ran out mid-batch and another drainer took the row: it may be sent twice.
    if (!(await write)) this.log.warn({ outboxId: m.id }, 'outbox lease lost before the outcome was recorded');
  }

  private noteSend(at: number): void {
    this.lastSendAt = at;
    // Whole milliseconds: the times derived from it are stored in integer columns.
    const jitter = Math.floor(Math.max(0, this.d.random()) * (this.d.jitterMs + 1));
    this.gapMs = this.spacingMs + Math.min(this.d.jitterMs, jitter);
  }

  /** Waits until the next send is allowed; false when stopping first. */
  private async waitForSlot(): Promise<boolean> {
    if (this.lastSendAt === undefined) return !this.stopping;
    // A clock that stepped back must not shorten the gap: count from whichever is earlier.
    const from = Math.min(this.lastSendAt, this.d.clock.now());
    const next = from + this.gapMs;
    // A loop, since a timer may fire a little early.
    for (let now = this.d.clock.now(); now < next; now = this.d.clock.now()) {
      if (this.stopping) return false;
      await this.pause(next - now);
    }
    return !this.stopping;
  }

  private async pause(ms: number): Promise<void> {
    const signal = this.abort?.signal;
    if (ms <= 0 || signal?.aborted) return;
    let onAbort = () => {};
    const stopped = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const slept = this.d.sleep(ms, signal).catch((err: unknown) => {
      // An aborted sleep is how stop() interrupts a wait; anything else is a real failure.
      if (!signal?.aborted) throw err;
    });
    try {
      await Promise.race([slept, stopped]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

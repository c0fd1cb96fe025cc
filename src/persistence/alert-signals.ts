import type { Counter } from 'prom-client';
import type { Clock } from '../shared/clock.js';
import type { Metrics } from '../shared/metrics.js';
import type { Cache } from '../shared/cache.js';
import { TTL, type CacheKeys } from '../shared/cache-keys.js';

const MINUTE = 60_000;

/**
 * Per-minute counters in the cache, shared by every process (Redis) or within the one
 * process of the embedded default. The alert rules sum them over a trailing window; names
 * come from a small fixed set (see MetricsRelay), so the key count stays bounded.
 */
export class SignalBuckets {
  constructor(
    private readonly cache: Cache,
    private readonly keys: CacheKeys,
  ) {}

  async add(name: string, n: number, at: number): Promise<void> {
    if (n > 0) await this.cache.incr(this.keys.alertSignal(name, Math.floor(at / MINUTE)), TTL.alertSignalMs, n);
  }

  /** Sum over the minutes that overlap [from, to]. */
  async sum(name: string, from: number, to: number): Promise<number> {
    const keys: string[] = [];
    for (let m = Math.floor(from / MINUTE); m <= Math.floor(to / MINUTE); m++) keys.push(this.keys.alertSignal(name, m));
    // One MGET for the whole window: a signal's minutes share a hash tag, so one cluster slot.
    return (await this.cache.getMany(keys)).reduce((a, v) => a + (v === null ? 0 : Number(v)), 0);
  }
}

/** Callback outcomes that are not failures (the URL check and a stored event). */
const CALLBACK_OK = new Set(['accepted', 'verified']);

/**
 * Which counters feed the alert signals, and under which names: a small fixed set
 * (cb.ok, cb.failed, ev.failed, api.all, api.<errcode>, ob.<outcome>), so keys stay bounded.
 */
const RELAYED: Array<{ pick: (m: Metrics) => Counter; names: (labels: Record<string, string | number | undefined>) => string[] }> = [
  { pick: (m) => m.callbacks, names: (l) => [CALLBACK_OK.has(String(l.outcome)) ? 'cb.ok' : 'cb.failed'] },
  { pick: (m) => m.callbackEvents, names: (l) => (l.outcome === 'failed' ? ['ev.failed'] : []) },
  { pick: (m) => m.wecomApiCalls, names: (l) => ['api.all', `api.${l.errcode}`] },
  { pick: (m) => m.outboxResults, names: (l) => [`ob.${l.outcome}`] },
];

/**
 * Copies what this process's counters gained since the last flush into the shared signal
 * buckets, so the evaluator in the jobs process sees callbacks answered by the HTTP processes
 * and sends made by the bot process. Nothing is added on the hot paths themselves.
 */
export class MetricsRelay {
  private readonly last = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly metrics: Metrics,
    private readonly buckets: SignalBuckets,
    private readonly clock: Clock,
  ) {}

  /** Flushes are serialised: two at once would count the same increase twice. */
  flush(): Promise<void> {
    this.chain = this.chain.catch(() => undefined).then(() => this.flushOnce());
    return this.chain;
  }

  start(everyMs: number, onError: (e: Error) => void): void {
    this.timer = setInterval(() => void this.flush().catch(onError), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    for (const r of RELAYED) {
      const metric = await r.pick(this.metrics).get();
      for (const v of metric.values) {
        const id = `${metric.name}|${JSON.stringify(v.labels)}`;
        const delta = v.value - (this.last.get(id) ?? 0);
        this.last.set(id, v.value);
        if (delta > 0) for (const name of r.names(v.labels)) this.pending.set(name, (this.pending.get(name) ?? 0) + delta);
      }
    }
    const now = this.clock.now();
    // What cannot be written now (cache down) stays pending for the next flush.
    const results = await Promise.allSettled(
      [...this.pending].map(async ([name, n]) => {
        await this.buckets.add(name, n, now);
        this.pending.set(name, (this.pending.get(name) ?? n) - n);
        if (this.pending.get(name) === 0) this.pending.delete(name);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason as Error;
  }
}

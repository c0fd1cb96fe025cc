import type { Mutex, RateLimiter } from '../../domain/landing/landing.ports.js';
import type { WindowLimiter } from '../../domain/mp/mp-auth.ports.js';
import type { Clock } from '../../shared/clock.js';
import type { Cache } from '../../shared/cache.js';
import type { CacheKeys } from '../../shared/cache-keys.js';

/** Fixed-window counters in the cache, shared by every process. */
export class CacheRateLimiter implements RateLimiter, WindowLimiter {
  constructor(
    private readonly cache: Cache,
    private readonly keys: CacheKeys,
    private readonly clock: Clock,
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    return (await this.take(key, limit, windowMs)).allowed;
  }

  async take(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const now = this.clock.now();
    const window = Math.floor(now / windowMs);
    const n = await this.cache.incr(this.keys.rate(key, window), windowMs + 1000);
    return { allowed: n <= limit, retryAfterMs: (window + 1) * windowMs - now };
  }
}

/** Owner-token locks in the cache; a waiter polls with a growing pause (never longer than 100 ms). */
export class CacheMutex implements Mutex {
  constructor(
    private readonly cache: Cache,
    private readonly keys: CacheKeys,
  ) {}

  async withLock<T>(name: string, o: { ttlMs: number; waitMs: number }, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    const key = this.keys.mutex(name);
    const giveUpAt = Date.now() + o.waitMs;
    let pause = 10;
    let lock = await this.cache.acquireLock(key, o.ttlMs);
    while (!lock && Date.now() < giveUpAt) {
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 100);
      lock = await this.cache.acquireLock(key, o.ttlMs);
    }
    if (!lock) return undefined;
    try {
      return { value: await fn() };
    } finally {
      await lock.release();
    }
  }
}

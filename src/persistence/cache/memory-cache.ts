import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { Cache, Lock } from '../../shared/cache.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** The in-process twin of RedisCache, for the embedded default and one-process deployments. */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, Entry>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly clock: Clock = systemClock) {
    // Expired keys are dropped lazily on read; the sweep bounds memory for keys never read again.
    this.sweep = setInterval(() => this.purge(), 30_000);
    this.sweep.unref();
  }

  private live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.clock.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  private purge(): void {
    const now = this.clock.now();
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k);
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async getMany(keys: string[]): Promise<Array<string | null>> {
    return keys.map((k) => this.live(k)?.value ?? null);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, { value, expiresAt: this.clock.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.map.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  async del(key: string): Promise<void> {
    this.map.delete(key);
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    const e = this.live(key);
    if (!e) {
      this.map.set(key, { value: String(by), expiresAt: this.clock.now() + ttlMs });
      return by;
    }
    const n = Number(e.value) + by;
    e.value = String(n);
    return n;
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const token = randomBytes(12).toString('hex');
    if (!(await this.setIfAbsent(key, token, ttlMs))) return null;
    return {
      key,
      token,
      release: async () => {
        if (this.live(key)?.value !== token) return false;
        this.map.delete(key);
        return true;
      },
      extend: async (ms: number) => {
        const e = this.live(key);
        if (e?.value !== token) return false;
        e.expiresAt = this.clock.now() + ms;
        return true;
      },
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweep);
    this.map.clear();
  }
}

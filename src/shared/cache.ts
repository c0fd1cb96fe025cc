/**
 * The cache / dedupe / lock / rate-limit port. Redis in production, an in-process twin on the
 * embedded default; both pass the same test suite. Keys are built only in ./cache-keys.ts.
 */
export interface Lock {
  readonly key: string;
  readonly token: string;
  /** Releases only if still held by this owner; false if it had expired or was taken over. */
  release(): Promise<boolean>;
  /** Extends the lease if still held by this owner. */
  extend(ttlMs: number): Promise<boolean>;
}

export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /**
   * Several values in one round trip (MGET). On a Redis Cluster every key must hash to one slot:
   * only keys the catalogue (cache-keys.ts) gives one hash tag `{…}` may be read together.
   */
  getMany(keys: string[]): Promise<Array<string | null>>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** SET NX PX: true if this call stored the value. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Adds `by` (default 1) to a counter; the TTL is set when the counter is created (fixed window). */
  incr(key: string, ttlMs: number, by?: number): Promise<number>;
  /** Owner-token lock (SET NX PX); null when someone else holds it. */
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

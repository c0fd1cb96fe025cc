import { randomBytes } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Cache, Lock } from '../../shared/cache.js';
import { parseRedisUrl } from './redis-url.js';

// Every script touches only KEYS[1], so each runs on the one node owning that key's slot.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const INCR = `local n = redis.call('incrby', KEYS[1], ARGV[2]) if n == tonumber(ARGV[2]) then redis.call('pexpire', KEYS[1], ARGV[1]) end return n`;

const CONNECTION: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000 };

/**
 * Redis implementation, on one Redis or a Redis Cluster (see ./redis-url.ts). Commands fail
 * fast while Redis is down (no offline queue), so callers see the outage and /healthz reports
 * it instead of requests hanging. In a cluster each command goes to the master owning its key's
 * slot; the one multi-key command, getMany, needs keys sharing a hash tag (cache-keys.ts).
 */
export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  readonly redis: Redis | Cluster;

  constructor(url: string) {
    const target = parseRedisUrl(url);
    // Commands issued in one turn of the event loop (a burst of requests) go out in one write
    // (per node, in a cluster).
    this.redis =
      target.kind === 'single'
        ? new Redis(url, { ...CONNECTION, enableOfflineQueue: false, lazyConnect: true, enableAutoPipelining: true, retryStrategy: (times) => Math.min(times * 200, 2000) })
        : new Cluster(target.nodes, {
            enableOfflineQueue: false,
            lazyConnect: true,
            enableAutoPipelining: true,
            clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
            redisOptions: { ...CONNECTION, username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) },
          });
    // Connection errors surface on the commands; without a listener ioredis logs to stderr.
    this.redis.on('error', () => {});
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', ttlMs);
  }

  /** MGET: in a cluster the keys must share a slot (one hash tag), or Redis answers CROSSSLOT. */
  getMany(keys: string[]): Promise<Array<string | null>> {
    return keys.length ? this.redis.mget(keys) : Promise.resolve([]);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async del(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    return Number(await this.redis.eval(INCR, 1, key, String(ttlMs), String(by)));
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const token = randomBytes(12).toString('hex');
    if (!(await this.setIfAbsent(key, token, ttlMs))) return null;
    return {
      key,
      token,
      release: async () => Number(await this.redis.eval(RELEASE, 1, key, token)) === 1,
      extend: async (ms: number) => Number(await this.redis.eval(EXTEND, 1, key, token, String(ms))) === 1,
    };
  }

  /**
   * On a cluster, PING of one node says little: with a master gone its slots answer CLUSTERDOWN
   * while the others still PONG. So every known master must answer, and the cluster say ok.
   */
  async ping(): Promise<void> {
    if (!(this.redis instanceof Cluster)) {
      await this.redis.ping();
      return;
    }
    const masters = this.redis.nodes('master');
    if (masters.length === 0) throw new Error('Redis Cluster: no master known');
    const [info] = await Promise.all([masters[0]!.cluster('INFO'), ...masters.map((m) => m.ping())]);
    if (!/^cluster_state:ok\b/m.test(String(info))) throw new Error('Redis Cluster: cluster_state is not ok');
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

import type { Clock } from '../../shared/clock.js';
import type { Cache } from '../../shared/cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';

/** Redis when a URL is configured, otherwise the in-process twin. */
export async function createCache(opts: { redisUrl?: string; clock: Clock }): Promise<Cache> {
  if (!opts.redisUrl) return new MemoryCache(opts.clock);
  const c = new RedisCache(opts.redisUrl);
  await c.connect();
  return c;
}

import type { Cache } from './cache.js';
import { TTL } from './cache-keys.js';

/**
 * A change counter kept in the cache (Redis when several processes share it): writers bump it,
 * readers compare it with the value they loaded their copy at and reload when it moved. Used for
 * the bot's rules, texts and staff and for store settings.
 */
export class CacheVersion {
  constructor(
    private readonly cache: Cache,
    private readonly key: string,
  ) {}

  async get(): Promise<number> {
    return Number((await this.cache.get(this.key)) ?? 0);
  }

  async bump(): Promise<void> {
    await this.cache.incr(this.key, TTL.botVersionMs);
  }
}

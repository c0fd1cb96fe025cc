import type { Config } from '../../config/config.js';
import type { Cache } from '../../shared/cache.js';
import { cacheKeys, type CacheKeys } from '../../shared/cache-keys.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { createCache } from '../../persistence/cache/create-cache.js';
import { createDb, migrateLatest, type Db } from '../../persistence/db.js';

/**
 * What every area is built on: config, clock, logger, metrics, the database, the cache and its
 * keys, and the list of things to close on shutdown (closed in reverse order of opening).
 */
export interface Platform {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  db: Db;
  cache: Cache;
  keys: CacheKeys;
  closers: Closers;
}

export class Closers {
  private readonly list: Array<() => Promise<unknown>> = [];
  constructor(private readonly log: Logger) {}

  push(close: () => Promise<unknown>): void {
    this.list.push(close);
  }

  /** Closes everything opened so far, newest first; a failure is logged and the rest still close. */
  async closeAll(): Promise<void> {
    for (const c of this.list.splice(0).reverse()) await c().catch((e: Error) => this.log.warn({ err: e.message }, 'error while closing'));
  }
}

export async function wirePlatform(config: Config, p: { clock: Clock; log: Logger; metrics: Metrics; closers: Closers; migrate?: boolean }): Promise<Platform> {
  const { log, closers } = p;
  const db = createDb({ mysqlUrl: config.db.mysqlUrl, sqliteFile: config.db.sqliteFile, poolMax: config.db.poolMax, log: log.child({ module: 'db' }) });
  closers.push(() => db.destroy());
  if (p.migrate) {
    const applied = await migrateLatest(db);
    if (applied.length) log.info({ applied: applied.length }, 'migrations applied');
  }
  const cache = await createCache({ redisUrl: config.cache.redisUrl, clock: p.clock });
  closers.push(() => cache.close());
  return { config, clock: p.clock, log, metrics: p.metrics, db, cache, keys: cacheKeys(config.cache.prefix), closers };
}

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import knexFactory from 'knex';
import type { Cache } from '../../src/store/cache/cache.js';
import { MemoryCache } from '../../src/store/cache/memory-cache.js';
import { RedisCache } from '../../src/store/cache/redis-cache.js';
import type { Clock } from '../../src/shared/clock.js';

/**
 * The suite runs on SQLite + in-process cache always, and on MariaDB + Redis when CI sets
 * MYSQL_URL / REDIS_URL. Each test gets its own database (or file) and key prefix, so files
 * and tests run in parallel without seeing each other.
 */
export const MYSQL_URL = process.env.MYSQL_URL || undefined;
export const REDIS_URL = process.env.REDIS_URL || undefined;
export const backendName = `${MYSQL_URL ? 'mysql' : 'sqlite'}+${REDIS_URL ? 'redis' : 'memory'}`;

export async function freshDatabase(t: ExecutionContext): Promise<{ mysqlUrl?: string; sqliteFile: string }> {
  const suffix = randomBytes(6).toString('hex');
  if (!MYSQL_URL) {
    const file = join(tmpdir(), `siyu-test-${suffix}.sqlite`);
    t.teardown(() => {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    });
    return { sqliteFile: file };
  }
  const name = `siyu_t_${suffix}`;
  const admin = knexFactory({ client: 'mysql2', connection: MYSQL_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  t.teardown(async () => {
    const a = knexFactory({ client: 'mysql2', connection: MYSQL_URL, pool: { min: 0, max: 1 } });
    await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await a.destroy();
  });
  const u = new URL(MYSQL_URL);
  u.pathname = `/${name}`;
  return { mysqlUrl: u.toString(), sqliteFile: ':memory:' };
}

export function freshPrefix(): string {
  return `siyu:t:${randomBytes(5).toString('hex')}:`;
}

export async function freshCache(t: ExecutionContext, clock?: Clock): Promise<{ cache: Cache; prefix: string }> {
  const prefix = freshPrefix();
  if (!REDIS_URL) {
    const cache = new MemoryCache(clock);
    t.teardown(() => cache.close());
    return { cache, prefix };
  }
  const cache = new RedisCache(REDIS_URL);
  await cache.connect();
  t.teardown(async () => {
    const keys = await cache.redis.keys(`${prefix}*`);
    if (keys.length) await cache.redis.del(...keys);
    await cache.close();
  });
  return { cache, prefix };
}

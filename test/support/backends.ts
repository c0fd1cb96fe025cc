import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Cluster, type Redis } from 'ioredis';
import knexFactory from 'knex';
import type { Cache } from '../../src/shared/cache.js';
import { MemoryCache } from '../../src/persistence/cache/memory-cache.js';
import { RedisCache } from '../../src/persistence/cache/redis-cache.js';
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
  const name = pool.pop() ?? (await createDatabase(`siyu_t_${process.pid}_${suffix}`));
  // After the test's app has closed (teardowns run last-registered first), the database is
  // emptied and reused: migrating 28 tables costs seconds on MariaDB, deleting rows milliseconds.
  t.teardown(async () => {
    try {
      await emptyDatabase(name);
      pool.push(name);
    } catch {
      await dropDatabase(name);
    }
  });
  const u = new URL(MYSQL_URL);
  u.pathname = `/${name}`;
  return { mysqlUrl: u.toString(), sqliteFile: ':memory:' };
}

const pool: string[] = [];
let adminDb: ReturnType<typeof knexFactory> | undefined;
const adminConn = () => (adminDb ??= knexFactory({ client: 'mysql2', connection: MYSQL_URL, pool: { min: 0, max: 2, idleTimeoutMillis: 500 } }));

async function createDatabase(name: string): Promise<string> {
  await adminConn().raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  await adminConn().raw(`DROP DATABASE IF EXISTS \`${name}\``);
}

/** Deletes every row but the migration bookkeeping, on one connection with FK checks off. */
async function emptyDatabase(name: string): Promise<void> {
  const rows = (await adminConn().raw('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [name]))[0] as Array<{ t: string }>;
  const tables = rows.map((r) => r.t).filter((x) => !x.startsWith('knex_migrations'));
  const conn = await adminConn().client.acquireConnection();
  try {
    const q = (sql: string) => new Promise<void>((resolve, reject) => conn.query(sql, (e: unknown) => (e ? reject(e) : resolve())));
    await q('SET FOREIGN_KEY_CHECKS = 0');
    for (const table of tables) await q(`DELETE FROM \`${name}\`.\`${table}\``);
    await q('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await adminConn().client.releaseConnection(conn);
  }
}

process.once('beforeExit', () => {
  // Pooled databases are dropped when the worker is done; .ci/run also sweeps leftovers.
  const names = pool.splice(0);
  if (!adminDb) return;
  void Promise.all(names.map(dropDatabase)).finally(() => adminDb?.destroy());
});

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
    await deleteKeys(cache, `${prefix}*`);
    await cache.close();
  });
  return { cache, prefix };
}

/**
 * Deletes the keys matching a pattern. In a cluster KEYS/SCAN see one node's keys, so each
 * master is scanned; and one DEL of many keys would fail with CROSSSLOT, so each key is
 * deleted by itself (auto-pipelined).
 */
export async function deleteKeys(cache: RedisCache, pattern: string): Promise<number> {
  const nodes = cache.redis instanceof Cluster ? cache.redis.nodes('master') : [cache.redis];
  const found = await Promise.all(nodes.map((n) => scanAll(n, pattern)));
  const keys = found.flat();
  await Promise.all(keys.map((k) => cache.redis.del(k)));
  return keys.length;
}

async function scanAll(node: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

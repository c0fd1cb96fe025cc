import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { Db } from '../../../src/persistence/db.js';
import { MYSQL_URL, REDIS_URL } from '../../support/backends.js';

/**
 * The fault suite runs on MariaDB + Redis only (what production runs, and what the outage
 * cases cut). Without both URLs a file registers one skipped test saying so, and nothing else.
 */
export function backendsOrSkip(): { mysqlUrl: string; redisUrl: string } | undefined {
  if (MYSQL_URL && REDIS_URL) return { mysqlUrl: MYSQL_URL, redisUrl: REDIS_URL };
  test.skip('fault suite skipped: set MYSQL_URL and REDIS_URL (MariaDB + Redis) to run it', (t) => t.pass());
  return undefined;
}

/** Polls `check` until it returns a value other than undefined/false, or fails saying what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, o: { timeoutMs?: number; everyMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(o.everyMs ?? 200);
  }
}

/** Row count of every table but the migration bookkeeping, by table name. */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const rows = (await db.raw('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name'))[0] as Array<{ t: string }>;
  const out: Record<string, number> = {};
  for (const { t } of rows) {
    if (t.startsWith('knex_migrations')) continue;
    out[t] = Number((await db(t).count({ n: '*' }))[0]!.n);
  }
  return out;
}

/** Runs `work` over `items` with at most `n` in flight. */
export async function pool<T>(items: T[], n: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]!, i);
    }),
  );
}

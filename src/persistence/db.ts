import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrations } from '../../migrations/index.js';
import { isDeadlock } from './db-errors.js';
import type { Logger } from '../shared/logger.js';

export type Db = Knex;
export type DbClient = 'sqlite' | 'mysql';

/**
 * One knex instance per process. MySQL/MariaDB when a URL is given, otherwise SQLite through
 * better-sqlite3 (WAL, synchronous=NORMAL: durable across a process crash, which is what a
 * callback acknowledgement needs on the embedded default).
 */
export function createDb(opts: { mysqlUrl?: string; sqliteFile: string; poolMax?: number; log?: Logger }): Db {
  // knex prints lost connections and failed acquires to the console with a stack; given a
  // logger, they become one structured line each (the first line of knex's text, no stack).
  const log = opts.log && {
    warn: (m: unknown) => opts.log!.warn({ detail: String(m).split('\n')[0] }, 'database driver warning'),
    error: (m: unknown) => opts.log!.error({ detail: String(m).split('\n')[0] }, 'database driver error'),
    deprecate: (m: unknown) => opts.log!.debug({ detail: String(m) }, 'database driver deprecation'),
    debug: (m: unknown) => opts.log!.debug({ detail: String(m).slice(0, 200) }, 'database driver debug'),
  };
  if (opts.mysqlUrl) {
    return knexFactory({
      ...(log ? { log } : {}),
      client: 'mysql2',
      connection: { uri: opts.mysqlUrl, charset: 'utf8mb4', timezone: 'Z', dateStrings: false, supportBigNumbers: true, bigNumberStrings: false } as Knex.MySql2ConnectionConfig & { uri: string },
      pool: { min: 0, max: opts.poolMax ?? 10 },
      acquireConnectionTimeout: 5000,
    });
  }
  if (opts.sqliteFile !== ':memory:') mkdirSync(dirname(opts.sqliteFile), { recursive: true });
  return knexFactory({
    ...(log ? { log } : {}),
    client: 'better-sqlite3',
    connection: { filename: opts.sqliteFile },
    useNullAsDefault: true,
    pool: {
      // One connection: better-sqlite3 is synchronous, a second connection only adds lock waits.
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
}

export function dbClient(db: Db): DbClient {
  return String(db.client.config.client).startsWith('mysql') ? 'mysql' : 'sqlite';
}

/** Migrations come from a static list so they load the same under tsx and from dist. */
export const migrationConfig: Knex.MigratorConfig = {
  migrationSource: {
    getMigrations: async () => migrations.map((m) => m.name),
    getMigrationName: (name: string) => name,
    getMigration: async (name: string) => {
      const m = migrations.find((x) => x.name === name);
      if (!m) throw new Error(`unknown migration ${name}`);
      return m.module;
    },
  },
  tableName: 'knex_migrations',
};

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

/** Cheap liveness check for /healthz. */
export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}

/** Now as a Date truncated to milliseconds (MySQL DATETIME(3) keeps ms). */
export const toDbTime = (ms: number) => new Date(ms);

/** A LIKE pattern matching `s` anywhere, for `like ? escape '!'` (so %, _ and ! match literally). */
export const likeFragment = (s: string) => `%${s.replace(/[!%_]/g, '!$&')}%`;

/**
 * A transaction that is run again (up to three times in all) when InnoDB picks it as a deadlock
 * victim: the server has already rolled all of it back, so running the closure again is the
 * documented remedy. Two instances recording the same order or person at once hit this on their
 * unique keys. Closures given here must only touch the database through `trx`.
 */
export async function transact<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (e) {
      if (attempt >= 3 || !isDeadlock(e)) throw e;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

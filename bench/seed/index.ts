/**
 * `npm run seed`: a chain's worth of data through the real schema (migrations first), for the
 * admin-reads bench and for anyone making reads fast. Set-based SQL (MariaDB's seq_1_to_N
 * tables, a recursive CTE on SQLite) one range of customer ids at a time; the only per-row work
 * in Node is sealing phone numbers with the real PiiCipher (the same key as SEED_PII_KEY),
 * written in batches of 2,000 (400 on SQLite, whose compound SELECT stops at 500). RFM scores come from the real nightly job.
 *
 *   npm run seed -- --customers 1000000 --stores 100 [--db mysql://root@127.0.0.1:3306/siyu_seed | --sqlite data/seed.sqlite] [--seed 1] [--reset]
 */
import { createHash } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import { runRfmNightly } from '../../src/jobs/rfm-nightly.job.js';
import { createDb, migrateLatest } from '../../src/persistence/db.js';
import { SqlRfmRepo } from '../../src/persistence/rfm.repo.js';
import { systemClock } from '../../src/shared/clock.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { DAY_MS, shanghaiDay, shanghaiDayStart } from '../../src/shared/shanghai-time.js';
import { customersSql, perCustomerSql, perRunSql, scansSql, type Ctx } from './customers.js';
import { DEFERRED_TABLES, dropSecondaryIndexes, restoreIndexes } from './indexes.js';
import { seedPeople } from './people.js';
import { dialect } from './sql.js';

/** The PII key the seeded phones are sealed with; the bench's app must run with it. */
export const SEED_PII_KEY = createHash('sha256').update('siyu seed pii key (bench only)').digest('hex');
export const DEFAULT_SERVER = 'mysql://root@127.0.0.1:3306';

export interface SeedOptions {
  customers: number;
  stores: number;
  /** mysql://… with a database name, or undefined with `sqlite` set. */
  mysqlUrl?: string;
  sqlite?: string;
  seed?: number;
  reset?: boolean;
  log?: (line: string) => void;
}

/** Customers already in the database (0 when it or its schema is missing). */
export async function seededCustomers(o: { mysqlUrl?: string; sqlite?: string }): Promise<number> {
  if (o.sqlite && !existsSync(o.sqlite)) return 0;
  if (o.mysqlUrl) await ensureDatabase(o.mysqlUrl, false);
  const db = createDb({ mysqlUrl: o.mysqlUrl, sqliteFile: o.sqlite ?? ':memory:', poolMax: 1 });
  try {
    // seed_days is dropped last: while it exists, a seed did not finish.
    if (!(await db.schema.hasTable('customers')) || (await db.schema.hasTable('seed_days'))) return 0;
    const [row] = await db('customers').count({ n: '*' });
    return Number(row?.n ?? 0);
  } finally {
    await db.destroy();
  }
}

async function ensureDatabase(mysqlUrl: string, reset: boolean): Promise<void> {
  const u = new URL(mysqlUrl);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`--db needs a database name of letters, digits and _: ${mysqlUrl}`);
  u.pathname = '/';
  const admin = knexFactory({ client: 'mysql2', connection: u.toString() });
  try {
    if (reset) await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.destroy();
  }
}

/** Deterministic 32-bit mix of (id, seed) for the choices made in Node (who has a phone). */
function mix(id: number, seed: number): number {
  let x = (id ^ Math.imul(seed + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** 65% of customers left a phone (landing form, POS); sealed and hashed as the app does. */
async function seedPhones(db: Knex, customers: number, seed: number, batch: number): Promise<void> {
  const pii = new PiiCipher(Buffer.from(SEED_PII_KEY, 'hex'));
  let rows: Array<{ customer_id: number; enc: string; hash: string; tail: string }> = [];
  for (let id = 1; id <= customers; id++) {
    const m = mix(id, seed);
    if (m % 100 < 65) {
      const phone = `1${[3, 5, 7, 8, 9][m % 5]}${(m >>> 8) % 10}${String(id).padStart(8, '0')}`;
      rows.push({ customer_id: id, enc: pii.encrypt(phone), hash: pii.hash(phone), tail: phone.slice(-4) });
    }
    if (rows.length === batch || id === customers) {
      if (rows.length) await db('seed_phone').insert(rows);
      rows = [];
    }
  }
}

export async function seedDatabase(o: SeedOptions): Promise<Record<string, number>> {
  const log = o.log ?? ((l: string) => console.log(l));
  const seed = o.seed ?? 1;
  const mysql = Boolean(o.mysqlUrl);
  if (mysql) await ensureDatabase(o.mysqlUrl!, Boolean(o.reset));
  else if (o.reset && o.sqlite && existsSync(o.sqlite)) for (const f of [o.sqlite, `${o.sqlite}-wal`, `${o.sqlite}-shm`]) if (existsSync(f)) unlinkSync(f);
  const db = createDb({ mysqlUrl: o.mysqlUrl, sqliteFile: o.sqlite ?? 'data/seed.sqlite', poolMax: 1 });
  const timings: Record<string, number> = {};
  const timed = async (table: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    timings[table] = (timings[table] ?? 0) + (performance.now() - t0);
  };
  const started = performance.now();
  try {
    await timed('migrations', () => migrateLatest(db));
    const [existing] = await db('customers').count({ n: '*' });
    if (Number(existing?.n ?? 0) > 0) throw new Error('the database already has customers: pass --reset to rebuild it');
    if (mysql) await db.raw('SET SESSION foreign_key_checks = 0, unique_checks = 0');
    else await db.raw('PRAGMA synchronous = OFF');
    const deferred = mysql ? await dropSecondaryIndexes(db, DEFERRED_TABLES) : [];
    const now = Date.now();
    const ctx: Ctx = { db, d: dialect(mysql, seed), customers: o.customers, stores: o.stores, now };
    const pii = new PiiCipher(Buffer.from(SEED_PII_KEY, 'hex'));
    await timed('stores, staff, channels, tags, journeys', () => seedPeople(db, { stores: o.stores, now, pii }));

    for (const t of ['seed_phone', 'seed_days']) await db.schema.dropTableIfExists(t);
    await db.schema.createTable('seed_phone', (t) => {
      t.integer('customer_id').primary();
      t.string('enc', 128).notNullable();
      t.string('hash', 64).notNullable();
      t.string('tail', 4).notNullable();
    });
    await db.schema.createTable('seed_days', (t) => {
      t.integer('d').primary();
      t.integer('ymd').notNullable();
      t.bigInteger('start').notNullable();
    });
    const today = shanghaiDayStart(now);
    await db('seed_days').insert(Array.from({ length: 400 }, (_, d) => ({ d, ymd: shanghaiDay(today - d * DAY_MS), start: today - d * DAY_MS })));
    await timed('phones (sealed in Node)', () => seedPhones(db, o.customers, seed, mysql ? 2000 : 400));

    const chunk = 50_000;
    for (let lo = 1; lo <= o.customers; lo += chunk) {
      const hi = Math.min(o.customers, lo + chunk - 1);
      await timed('customers', () => db.raw(customersSql(ctx, lo, hi)));
      for (const [table, sql] of [...perCustomerSql(ctx, lo, hi), ...perRunSql(ctx, lo, hi)]) await timed(table, () => db.raw(sql));
      log(`  customers ${hi.toLocaleString('en-US')} / ${o.customers.toLocaleString('en-US')} (${Math.round((performance.now() - started) / 1000)} s)`);
    }
    const scans = Math.round(4.9 * o.customers);
    for (let lo = 1; lo <= scans; lo += 500_000) await timed('scans', () => db.raw(scansSql(ctx, lo, Math.min(scans, lo + 499_999))));
    await timed('secondary indexes (built after loading)', () => restoreIndexes(db, deferred));
    await timed('customer_rfm, rfm_history (nightly job)', () => runRfmNightly({ now, rfm: new SqlRfmRepo(db), clock: systemClock }));
    if (mysql) {
      await db.raw('SET SESSION foreign_key_checks = 1, unique_checks = 1');
      const tables = ['customers', 'customer_events', 'scans', 'orders', 'customer_follows', 'customer_tags', 'customer_identities', 'leads', 'touches', 'journey_runs', 'tasks', 'customer_rfm', 'outbox', 'survey_answers', 'coupon_claims'];
      await timed('ANALYZE', () => db.raw(`ANALYZE TABLE ${tables.join(', ')}`));
    } else {
      await timed('ANALYZE', () => db.raw('ANALYZE'));
    }
    await db.schema.dropTable('seed_phone');
    await db.schema.dropTable('seed_days');
    timings.total = performance.now() - started;
    const counts: Record<string, number> = {};
    for (const t of ['customers', 'customer_events', 'scans', 'orders', 'customer_follows', 'customer_tags', 'customer_identities', 'leads', 'coupon_claims', 'tasks', 'journey_runs', 'touches', 'outbox', 'survey_answers', 'customer_rfm', 'channels', 'staff']) {
      const [r] = await db(t).count({ n: '*' });
      counts[t] = Number(r?.n ?? 0);
    }
    log('\ntable | seconds');
    for (const [t, ms] of Object.entries(timings)) log(`${t} | ${(ms / 1000).toFixed(1)}`);
    log('\nrows: ' + Object.entries(counts).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', '));
    return timings;
  } finally {
    await db.destroy();
  }
}

async function main() {
  const { values: a } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      stores: { type: 'string', default: '100' },
      db: { type: 'string' },
      sqlite: { type: 'string' },
      seed: { type: 'string', default: '1' },
      reset: { type: 'boolean', default: false },
    },
  });
  const customers = Number(a.customers);
  const stores = Number(a.stores);
  if (!Number.isSafeInteger(customers) || customers < 1 || customers > 50_000_000) throw new Error('--customers: 1 … 50,000,000');
  if (!Number.isSafeInteger(stores) || stores < 1 || stores > 10_000) throw new Error('--stores: 1 … 10,000');
  const mysqlUrl = a.sqlite ? undefined : (a.db ?? `${DEFAULT_SERVER}/siyu_seed`);
  console.log(`seeding ${customers.toLocaleString('en-US')} customers, ${stores} stores into ${mysqlUrl ?? a.sqlite}`);
  await seedDatabase({ customers, stores, mysqlUrl, sqlite: a.sqlite, seed: Number(a.seed), reset: a.reset });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

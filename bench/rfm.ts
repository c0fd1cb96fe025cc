/**
 * The nightly jobs at a chain's scale on MariaDB: RFM (write only what changed), then dormant
 * selection + reactivation, on a generated customer base, through the real code. Compared in the
 * same run with the plain persisted recompute (one INSERT … SELECT of every score into an empty
 * table: the floor any persisted RFM pays) and, up to 1M customers, with the old full rewrite
 * (every score upserted every night) in hand-written SQL. This box is noisy: only ratios within
 * one run are comparable. The process RSS is sampled throughout: it must stay flat.
 *
 *   npx tsx bench/rfm.ts [--customers 1000000] [--stores 100] [--repeat 2]
 *   npm run bench -- --only rfm [--rfm-customers 10000000]
 *
 * The lead's bench/run.ts calls {@link rfmScenario}.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { runReactivation } from '../src/jobs/reactivation.job.js';
import { runRfmNightly } from '../src/jobs/rfm-nightly.job.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, migrateLatest, type Db } from '../src/persistence/db.js';
import { SqlReactivationRepo } from '../src/persistence/reactivation.repo.js';
import { SqlRfmRepo } from '../src/persistence/rfm.repo.js';
import type { Result } from './lib.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 18, 0, 0);

export interface RfmBenchOptions {
  /** Server URL without a database, e.g. mysql://root@127.0.0.1:3306 */
  mysqlUrl: string;
  customers: number;
  stores?: number;
  /** Rounds of the plain recompute (the best counts). */
  repeat?: number;
  /** Also time the old full rewrite (default: up to 1M customers; it is the slow part). */
  compareOld?: boolean;
  log?: (line: string) => void;
}

/**
 * Customers from MariaDB's sequence engine, 500,000 per statement (one statement of 10M filled
 * the undo log for minutes): ~10% never bought, 2% opted out, 0.5% merged; recency spread over
 * 400 days, frequency skewed towards one order (ties). Buyers are 'new' or 'repeat', so marking
 * them dormant is real work.
 */
async function generate(db: Db, customers: number, stores: number): Promise<void> {
  await db.raw(`INSERT INTO stores (id, code, name, created_at) SELECT seq, CONCAT('s', seq), CONCAT('门店', seq), 0 FROM seq_1_to_${stores}`);
  const h = '((seq * 2654435761) % 1000003)';
  // Days since the last purchase: skewed towards recent, up to ~200 days; about a third over 60.
  const days = `((${h} % 400) * (${h} % 397) DIV 800)`;
  const chunk = 500_000;
  for (let from = 1; from <= customers; from += chunk) {
    const to = Math.min(customers, from + chunk - 1);
    await db.raw(
      `INSERT INTO customers (id, store_id, name, stage, opted_out, merged_into, order_count, total_spent_fen, first_purchase_at, last_purchase_at, last_inbound_at, created_at, updated_at)
       SELECT seq, 1 + ${h} % ${stores}, '', CASE oc WHEN 0 THEN 'lead' WHEN 1 THEN 'new' ELSE 'repeat' END, seq % 50 = 0, IF(seq % 200 = 0, 1, NULL),
         oc, oc * (1000 + ${h} % 50000),
         IF(oc = 0, NULL, ${NOW} - ${days} * ${DAY} - 400 * ${DAY}),
         IF(oc = 0, NULL, ${NOW} - ${days} * ${DAY} - seq % ${DAY}),
         IF(seq % 3 = 0, ${NOW} - (seq % 120) * ${DAY}, NULL), 0, 0
       FROM (SELECT seq, IF(seq % 10 = 0, 0, 1 + ((${h} % 97) DIV 20) * ((${h} % 89) DIV 30)) AS oc FROM seq_${from}_to_${to}) x`,
    );
  }
}

/** A day of business: 1% of the customers buy again (a few hours before the night). */
async function aDayOfBusiness(db: Db, at: number): Promise<number> {
  const [res] = (await db.raw(
    `UPDATE customers SET last_purchase_at = ? - (id % 20) * 3600000, order_count = order_count + 1, total_spent_fen = total_spent_fen + 1000 * (id % 97)
     WHERE id % 100 = 37 AND order_count >= 1`,
    [at],
  )) as [{ affectedRows: number }];
  return res.affectedRows;
}

async function reset(db: Db): Promise<void> {
  for (const t of ['customer_rfm', 'rfm_history', 'rfm_runs', 'reactivation_entries']) await db.raw(`TRUNCATE TABLE ${t}`);
}

/** A plain persisted recompute: every score into an empty table in one INSERT … SELECT (the floor). */
async function plainRecompute(db: Db, now: number): Promise<number> {
  const q = (col: string) => `1 + (5 * (RANK() OVER (PARTITION BY store_id ORDER BY ${col}) - 1)) DIV COUNT(*) OVER (PARTITION BY store_id)`;
  await db.raw('DROP TABLE IF EXISTS rfm_plain');
  await db.raw('CREATE TABLE rfm_plain (customer_id INT UNSIGNED PRIMARY KEY, store_id INT UNSIGNED NOT NULL, r TINYINT NOT NULL, f TINYINT NOT NULL, m TINYINT NOT NULL, segment VARCHAR(24) NOT NULL)');
  const t0 = performance.now();
  await db.raw(
    `INSERT INTO rfm_plain SELECT customer_id, store_id, r, f, m,
       CONCAT(IF(m >= 3, 'important_', 'general_'), CASE WHEN r >= 3 AND f >= 3 THEN 'value' WHEN r >= 3 THEN 'develop' WHEN f >= 3 THEN 'keep' ELSE 'retain' END)
     FROM (SELECT id AS customer_id, store_id, ${q(`(${now} - last_purchase_at) DIV ${DAY} DESC`)} AS r, ${q('order_count')} AS f, ${q('total_spent_fen')} AS m
           FROM customers WHERE store_id IS NOT NULL AND order_count >= 1 AND merged_into IS NULL AND erased_at IS NULL AND last_purchase_at IS NOT NULL) s`,
  );
  const ms = Math.round(performance.now() - t0);
  await db.raw('DROP TABLE rfm_plain');
  return ms;
}

/** The old nightly (until December 2026): every score upserted every night, leavers by run id at the end. */
async function oldFullRewrite(db: Db, now: number): Promise<number> {
  const t0 = performance.now();
  const q = (col: string) => `1 + (5 * (RANK() OVER (PARTITION BY store_id ORDER BY ${col}) - 1)) DIV COUNT(*) OVER (PARTITION BY store_id)`;
  const [run] = (await db('rfm_runs').insert({ started_at: now })) as [number];
  await db.raw(
    `INSERT INTO customer_rfm (customer_id, store_id, r, f, m, segment, prev_segment, run_id, computed_at)
     SELECT customer_id, store_id, r, f, m,
       CONCAT(IF(m >= 3, 'important_', 'general_'), CASE WHEN r >= 3 AND f >= 3 THEN 'value' WHEN r >= 3 THEN 'develop' WHEN f >= 3 THEN 'keep' ELSE 'retain' END),
       NULL, ?, ?
     FROM (SELECT id AS customer_id, store_id, ${q(`(${now} - last_purchase_at) DIV ${DAY} DESC`)} AS r, ${q('order_count')} AS f, ${q('total_spent_fen')} AS m
           FROM customers WHERE store_id IS NOT NULL AND order_count >= 1 AND merged_into IS NULL AND erased_at IS NULL AND last_purchase_at IS NOT NULL) s
     ON DUPLICATE KEY UPDATE prev_segment = IF(customer_rfm.run_id = VALUES(run_id), customer_rfm.prev_segment, customer_rfm.segment),
       store_id = VALUES(store_id), r = VALUES(r), f = VALUES(f), m = VALUES(m), segment = VALUES(segment), run_id = VALUES(run_id), computed_at = VALUES(computed_at)`,
    [run, now],
  );
  await db.raw(
    `INSERT IGNORE INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment)
     SELECT run_id, customer_id, store_id, prev_segment, segment FROM customer_rfm WHERE run_id = ? AND (prev_segment IS NULL OR prev_segment <> segment)`,
    [run],
  );
  await db.raw(`INSERT IGNORE INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment) SELECT ?, customer_id, store_id, segment, NULL FROM customer_rfm WHERE run_id < ?`, [run, run]);
  await db.raw('DELETE FROM customer_rfm WHERE run_id < ?', [run]);
  const [counts] = (await db.raw('SELECT store_id, segment, COUNT(*) AS n FROM customer_rfm GROUP BY store_id, segment')) as [Array<{ n: number }>];
  await db('rfm_runs').where('id', run).update({ finished_at: Date.now(), customers: counts.reduce((a, r) => a + Number(r.n), 0), segment_counts: JSON.stringify(counts) });
  return Math.round(performance.now() - t0);
}

/** The real nightly code: RFM, then reactivation (dormant selection, entries, stage) with journeys stubbed out. */
async function night(db: Db, now: number) {
  const t0 = performance.now();
  const rfm = await runRfmNightly({ now, rfm: new SqlRfmRepo(db), clock: systemClock, ...(process.env.BENCH_RFM_STORES_PER_BATCH ? { storesPerBatch: Number(process.env.BENCH_RFM_STORES_PER_BATCH) } : {}) });
  const t1 = performance.now();
  // The journeys' own work (touches, sends) is theirs; here only the hand-over is counted.
  const re = await runReactivation({ now, repo: new SqlReactivationRepo(db), journeys: { trigger: async () => 1 }, dormantDays: 60, holdoutPct: 0.1 });
  return { rfm, re, rfmMs: Math.round(t1 - t0), reactivationMs: Math.round(performance.now() - t1) };
}

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(timer), Math.round(peak / 2 ** 20)) };
}
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T; rssBefore: number; rssAfter: number; rssPeak: number }> {
  const rssBefore = rss();
  const s = rssSampler();
  const t0 = performance.now();
  const value = await f();
  const ms = Math.round(performance.now() - t0);
  return { ms, value, rssBefore, rssAfter: rss(), rssPeak: s.stop() };
}

export async function rfmScenario(o: RfmBenchOptions): Promise<Result> {
  const log = o.log ?? ((l: string) => console.log(l));
  const stores = o.stores ?? 100;
  const compareOld = o.compareOld ?? o.customers <= 1_000_000;
  const name = `siyu_bench_rfm_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: o.mysqlUrl });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const db = createDb({ mysqlUrl: `${o.mysqlUrl.replace(/\/$/, '')}/${name}`, sqliteFile: ':memory:' });
  try {
    await migrateLatest(db);
    const gen = await timed(() => generate(db, o.customers, stores));
    log(`generated ${o.customers} customers in ${stores} stores: ${gen.ms} ms`);
    const plain: number[] = [];
    for (let i = 0; i < (o.repeat ?? 2); i++) plain.push(await plainRecompute(db, NOW));
    log(`plain persisted recompute: ${plain.join(', ')} ms`);
    const old: number[] = [];
    if (compareOld) {
      old.push(await oldFullRewrite(db, NOW), await oldFullRewrite(db, NOW + DAY));
      log(`old full rewrite: first night ${old[0]} ms, next night ${old[1]} ms`);
      await reset(db);
    }
    // Night 1 writes every score (first run); night 2, a day later, nothing moved; night 3 follows
    // a day where 1% bought again, at another hour (day counts shift unevenly: ties re-form).
    const s = rssSampler();
    const rssBefore = rss();
    const n1 = await night(db, NOW);
    log(`night 1 (first): rfm ${n1.rfmMs} ms (${n1.rfm.changed} changes), reactivation ${n1.reactivationMs} ms (${n1.re.treated + n1.re.holdout} entered); RSS ${rss()} MB`);
    const n2 = await night(db, NOW + DAY);
    log(`night 2 (no change): rfm ${n2.rfmMs} ms (${n2.rfm.changed} changes), reactivation ${n2.reactivationMs} ms (${n2.re.treated + n2.re.holdout} entered); RSS ${rss()} MB`);
    const bought = await aDayOfBusiness(db, NOW + 2 * DAY);
    const n3 = await night(db, NOW + 2 * DAY + 7 * 3600_000);
    log(`night 3 (${bought} bought): rfm ${n3.rfmMs} ms (${n3.rfm.changed} changes), reactivation ${n3.reactivationMs} ms (${n3.re.treated + n3.re.holdout} entered); RSS ${rss()} MB`);
    const rssPeak = s.stop();
    const [moved] = (await db.raw('SELECT COUNT(*) AS n FROM customer_rfm WHERE run_id = ?', [n3.rfm.runId])) as [Array<{ n: number }>];
    const plainMs = Math.min(...plain);
    const ratio = (ms: number) => Math.round((ms / plainMs) * 100) / 100;
    const extra: Record<string, string | number> = {
      customers: o.customers,
      stores,
      'seed ms': gen.ms,
      scored: n1.rfm.scored,
      'plain persisted recompute ms (best)': plainMs,
      ...(compareOld ? { 'old full rewrite, first night ms': old[0]!, 'old full rewrite, next night ms': old[1]!, 'old next night / plain': ratio(old[1]!) } : {}),
      'RFM night 1 (first, writes all) ms': n1.rfmMs,
      'RFM night 2 (nothing moved) ms': n2.rfmMs,
      'RFM night 2 rows changed': n2.rfm.changed,
      'RFM night 3 (1% bought) ms': n3.rfmMs,
      'RFM night 3 scores rewritten': Number(moved[0]!.n),
      'RFM night 3 history rows (segment changes)': n3.rfm.changed,
      'RFM night 3 / plain': ratio(n3.rfmMs),
      'reactivation night 1 ms (entered)': `${n1.reactivationMs} (${n1.re.treated + n1.re.holdout})`,
      'reactivation night 3 ms (entered)': `${n3.reactivationMs} (${n3.re.treated + n3.re.holdout})`,
      'RFM + reactivation, night 1 ms': n1.rfmMs + n1.reactivationMs,
      'RFM + reactivation, night 3 ms': n3.rfmMs + n3.reactivationMs,
      'RSS MB before / peak / after': `${rssBefore} / ${rssPeak} / ${rss()}`,
    };
    log(`RFM night 3 / plain recompute: ${extra['RFM night 3 / plain']} (target ≤ 2)`);
    return {
      scenario: `Nightly RFM + reactivation, ${o.customers} customers (MariaDB)`,
      rps: Math.round((o.customers * 1000) / (n3.rfmMs + n3.reactivationMs)),
      unit: 'customers/s (a usual night)',
      p50: NaN,
      p99: NaN,
      non2xx: 0,
      errors: 0,
      rssMb: rssPeak,
      rssOf: 'bench process, nights 1–3',
      extra,
    };
  } finally {
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, stores: { type: 'string', default: '100' }, repeat: { type: 'string', default: '2' } } });
  const r = await rfmScenario({ mysqlUrl: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', customers: Number(values.customers), stores: Number(values.stores), repeat: Number(values.repeat) });
  console.log(r.extra);
}

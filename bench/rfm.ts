/**
 * RFM recompute + dormant selection on MariaDB with a generated customer base, timed through
 * the real code and as the equivalent hand-written SQL in the same run (this box is noisy:
 * only the ratio is comparable). Memory must stay flat: the process RSS is sampled throughout.
 *
 *   npx tsx bench/rfm.ts [--customers 100000] [--stores 100]
 *
 * The lead's bench/run.ts can call {@link rfmScenario} instead.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { selectDormant } from '../src/domain/segment/reactivation.service.js';
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
  /** Rounds of (code, hand-written SQL), alternating which goes first. */
  repeat?: number;
  log?: (line: string) => void;
}

/**
 * Customers in one statement from MariaDB's sequence engine: ~10% never bought, 2% opted
 * out, 0.5% merged; recency spread over 400 days, frequency skewed towards one order (ties).
 */
async function generate(db: Db, customers: number, stores: number): Promise<void> {
  await db.raw(`INSERT INTO stores (id, code, name, created_at) SELECT seq, CONCAT('s', seq), CONCAT('门店', seq), 0 FROM seq_1_to_${stores}`);
  const h = '((seq * 2654435761) % 1000003)';
  // Days since the last purchase: skewed towards recent, up to ~200 days; about a third over 60.
  const days = `((${h} % 400) * (${h} % 397) DIV 800)`;
  await db.raw(
    `INSERT INTO customers (id, store_id, name, stage, opted_out, merged_into, order_count, total_spent_fen, first_purchase_at, last_purchase_at, last_inbound_at, created_at, updated_at)
     SELECT seq, 1 + ${h} % ${stores}, '', 'customer', seq % 50 = 0, IF(seq % 200 = 0, 1, NULL),
       oc, oc * (1000 + ${h} % 50000),
       IF(oc = 0, NULL, ${NOW} - ${days} * ${DAY} - 400 * ${DAY}),
       IF(oc = 0, NULL, ${NOW} - ${days} * ${DAY} - seq % ${DAY}),
       IF(seq % 3 = 0, ${NOW} - (seq % 120) * ${DAY}, NULL), 0, 0
     FROM (SELECT seq, IF(seq % 10 = 0, 0, 1 + ((${h} % 97) DIV 20) * ((${h} % 89) DIV 30)) AS oc FROM seq_1_to_${customers}) x`,
  );
}

async function reset(db: Db): Promise<void> {
  for (const t of ['customer_rfm', 'rfm_history', 'rfm_runs', 'reactivation_entries']) await db.raw(`TRUNCATE TABLE ${t}`);
}

interface Outcome {
  scored: number;
  dormant: number;
  rfmMs: number;
  dormantMs: number;
}

/** What the code does, as one plain statement set over all stores at once. */
async function handWritten(db: Db, now: number): Promise<Outcome> {
  const t0 = performance.now();
  const q = (col: string) => `1 + (5 * (RANK() OVER (PARTITION BY store_id ORDER BY ${col}) - 1)) DIV COUNT(*) OVER (PARTITION BY store_id)`;
  const [run] = (await db('rfm_runs').insert({ started_at: now })) as [number];
  await db.raw(
    `INSERT INTO customer_rfm (customer_id, store_id, r, f, m, segment, prev_segment, run_id, computed_at)
     SELECT customer_id, store_id, r, f, m,
       CONCAT(IF(m >= 3, 'important_', 'general_'), CASE WHEN r >= 3 AND f >= 3 THEN 'value' WHEN r >= 3 THEN 'develop' WHEN f >= 3 THEN 'keep' ELSE 'retain' END),
       NULL, ?, ?
     FROM (SELECT id AS customer_id, store_id, ${q(`(${now} - last_purchase_at) DIV ${DAY} DESC`)} AS r, ${q('order_count')} AS f, ${q('total_spent_fen')} AS m
           FROM customers WHERE store_id IS NOT NULL AND order_count >= 1 AND merged_into IS NULL AND last_purchase_at IS NOT NULL) s
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
  const scored = counts.reduce((a, r) => a + Number(r.n), 0);
  await db('rfm_runs').where('id', run).update({ finished_at: Date.now(), customers: scored, segment_counts: JSON.stringify(counts) });
  const t1 = performance.now();
  // Each store's own threshold (stores.dormant_days), else 60 days, as the real code reads it.
  const cutoff = `(${now} - COALESCE(s.dormant_days, 60) * ${DAY})`;
  const [dormant] = (await db.raw(
    `SELECT c.id, c.store_id, r.segment FROM customers c LEFT JOIN customer_rfm r ON r.customer_id = c.id LEFT JOIN stores s ON s.id = c.store_id
     WHERE c.store_id IS NOT NULL AND c.order_count >= 1 AND c.merged_into IS NULL AND c.opted_out = 0
       AND c.last_purchase_at <= ${cutoff} AND (c.last_inbound_at IS NULL OR c.last_inbound_at <= ${cutoff})
       AND NOT EXISTS (SELECT 1 FROM reactivation_entries e WHERE e.customer_id = c.id AND e.entered_at > ?)`,
    [now - 30 * DAY],
  )) as [unknown[]];
  return { scored, dormant: dormant.length, rfmMs: Math.round(t1 - t0), dormantMs: Math.round(performance.now() - t1) };
}

/** The real code: the nightly job, then the dormant customers of all stores page by page (as the daily job reads them). */
async function realCode(db: Db, now: number): Promise<Outcome> {
  const t0 = performance.now();
  const res = await runRfmNightly({ now, rfm: new SqlRfmRepo(db), clock: systemClock, ...(process.env.BENCH_RFM_STORES_PER_BATCH ? { storesPerBatch: Number(process.env.BENCH_RFM_STORES_PER_BATCH) } : {}) });
  const t1 = performance.now();
  const repo = new SqlReactivationRepo(db);
  let dormant = 0;
  for await (const page of selectDormant(repo, { now, limit: 1000 })) dormant += page.length;
  return { scored: res.scored, dormant, rfmMs: Math.round(t1 - t0), dormantMs: Math.round(performance.now() - t1) };
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
  const name = `siyu_bench_rfm_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: o.mysqlUrl });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const db = createDb({ mysqlUrl: `${o.mysqlUrl.replace(/\/$/, '')}/${name}`, sqliteFile: ':memory:' });
  try {
    await migrateLatest(db);
    const gen = await timed(() => generate(db, o.customers, stores));
    log(`generated ${o.customers} customers in ${stores} stores: ${gen.ms} ms`);
    const rounds: Array<Record<string, number>> = [];
    // Each variant from an empty score table (the first night) and once more on top (a later
    // night: every row updated, only changes in the history); the best of the rounds counts.
    const order = [['code', realCode], ['sql', handWritten]] as const;
    for (const [label, f] of Array.from({ length: o.repeat ?? 2 }, (_, i) => (i % 2 ? [...order].reverse() : order)).flat()) {
      await reset(db);
      const first = await timed(() => f(db, NOW));
      const next = await timed(() => f(db, NOW + DAY));
      log(`${label}: first night ${first.ms} ms (rfm ${first.value.rfmMs} + dormant ${first.value.dormantMs}), next night ${next.ms} ms (rfm ${next.value.rfmMs} + dormant ${next.value.dormantMs}), scored ${first.value.scored}, dormant ${first.value.dormant}; RSS ${first.rssBefore} → ${next.rssAfter} MB (peak ${Math.max(first.rssPeak, next.rssPeak)})`);
      rounds.push({ [`${label}First`]: first.ms, [`${label}Next`]: next.ms, [`${label}Peak`]: Math.max(first.rssPeak, next.rssPeak), rssBefore: first.rssBefore, rssAfter: next.rssAfter, scored: first.value.scored, dormant: first.value.dormant });
    }
    const best = (k: string) => Math.min(...rounds.filter((r) => k in r).map((r) => r[k]!));
    const code = best('codeFirst') + best('codeNext');
    const sql = best('sqlFirst') + best('sqlNext');
    const extra = {
      customers: o.customers,
      scored: rounds[0]!.scored!,
      dormant: rounds[0]!.dormant!,
      'code first night ms': best('codeFirst'),
      'code next night ms': best('codeNext'),
      'hand-written SQL first night ms': best('sqlFirst'),
      'hand-written SQL next night ms': best('sqlNext'),
      'ratio code / SQL (both nights)': Math.round((code / sql) * 100) / 100,
      'RSS MB before': rounds[0]!.rssBefore!,
      'RSS MB peak (code)': best('codePeak'),
      'RSS MB peak (SQL)': best('sqlPeak'),
      'RSS MB after': rounds[rounds.length - 1]!.rssAfter!,
    };
    log(`ratio code / hand-written SQL: ${extra['ratio code / SQL (both nights)']} (target ≤ 1.5)`);
    return { scenario: `RFM recompute + dormant selection, ${o.customers} customers (MariaDB)`, rps: Math.round((o.customers * 2 * 1000) / code), unit: 'customers/s (2 nights)', p50: NaN, p99: NaN, non2xx: 0, errors: 0, rssMb: best('codePeak'), rssOf: 'bench process, code variant', extra };
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

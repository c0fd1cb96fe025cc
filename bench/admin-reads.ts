/**
 * "admin reads": every mini-program and admin read an operator makes, timed as HQ, a store
 * manager and a rep against a seeded chain (bench/seed; seeded on first use, reused after:
 * databases siyu_seed_<customers> on MariaDB, data/seed-<customers>.sqlite embedded). The real
 * HTTP role runs as production runs it; each read is sent N times one after the other (after one
 * unmeasured warm-up), stopping early once a read has used its time budget (at least 3 samples);
 * a request that outlives the timeout is reported as "times out" and not repeated.
 * Writes a Markdown table (p50, p99 per size, and the growth of p50 between the first and the
 * last size) to bench/results/admin-reads.md.
 *
 *   npm run bench -- --only admin-reads [--sizes 100000,1000000] [--embedded]
 *   env: BENCH_READS_N (20), BENCH_READS_TIMEOUT_MS (60000), BENCH_READS_BUDGET_MS (60000), BENCH_READS_STORES (100),
 *        BENCH_READS_ONLY (reads whose name contains this text, e.g. "funnel", while working on one),
 *        BENCH_READS_OUT (another file for the table)
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { JwtCodec } from '../src/http/mp-tokens.js';
import { WecomEmulator } from '../src/sandbox/wecom/index.js';
import { DAY_MS } from '../src/shared/shanghai-time.js';
import { freePort, percentile, startProcess, stopProcess, type Result } from './lib.js';
import { SAMPLE_TAG, SEED_CORP } from './seed/people.js';
import { DEFAULT_SERVER, SEED_PII_KEY, seedDatabase, seededCustomers } from './seed/index.js';

type Role = 'HQ' | 'manager' | 'rep';
interface Read {
  name: string;
  role: Role;
  /** Path and query; `admin` reads use the admin API key, the others a mini-program token. */
  path: string;
  admin?: boolean;
}
interface Timing {
  samples: number[];
  timedOut: boolean;
  error?: string;
}

export interface AdminReadsOptions {
  sizes: number[];
  stores?: number;
  embedded?: boolean;
  mysqlServer?: string;
  redisUrl?: string;
  n?: number;
  timeoutMs?: number;
  budgetMs?: number;
  out?: string;
}

const CONTACT_SECRET = 'bench-contact-secret';
const AGENT_SECRET = 'bench-agent-secret';

const ymd = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

/** The reads of issue 15, with the roles each applies to. Store 1's manager is mgr1, its first rep rep1_1. */
function reads(now: number): Read[] {
  const only = process.env.BENCH_READS_ONLY;
  return allReads(now).filter((r) => !only || r.name.includes(only));
}

function allReads(now: number): Read[] {
  const to = ymd(now);
  const d30 = `from=${ymd(now - 29 * DAY_MS)}&to=${to}`;
  const d365 = `from=${ymd(now - 364 * DAY_MS)}&to=${to}`;
  const both = (r: Omit<Read, 'role'>, roles: Role[]) => roles.map((role) => ({ ...r, role }));
  return [
    { name: 'funnel, 30 days (admin API)', role: 'HQ', path: `/api/funnel?${d30}`, admin: true },
    { name: 'funnel, 365 days (admin API)', role: 'HQ', path: `/api/funnel?${d365}`, admin: true },
    { name: 'funnel, 365 days, by placement attribute 楼栋 (admin API)', role: 'HQ', path: `/api/funnel?${d365}&groupBy=${encodeURIComponent('楼栋')}`, admin: true },
    ...both({ name: 'funnel, 30 days (mini-program report)', path: `/api/mp/reports/funnel?${d30}` }, ['HQ', 'manager']),
    ...both({ name: 'funnel, 365 days (mini-program report)', path: `/api/mp/reports/funnel?${d365}` }, ['HQ', 'manager']),
    { name: 'funnel, 365 days, by placement attribute (mini-program)', role: 'HQ', path: `/api/mp/reports/funnel?${d365}&groupBy=${encodeURIComponent('楼栋')}` },
    ...both({ name: 'channel list, first page (each with its 30-day funnel)', path: '/api/mp/channels' }, ['HQ', 'manager']),
    ...both({ name: 'LTV report, 365 days', path: `/api/mp/reports/ltv?${d365}` }, ['HQ', 'manager']),
    ...both({ name: 'journeys report, 365 days', path: `/api/mp/reports/journeys?${d365}` }, ['HQ', 'manager']),
    ...both({ name: 'RFM report', path: '/api/mp/reports/rfm' }, ['HQ', 'manager']),
    ...both({ name: 'customers CSV export', path: '/api/mp/export/customers.csv' }, ['HQ', 'manager']),
    ...both({ name: 'orders CSV export, 365 days', path: `/api/mp/export/orders.csv?${d365}` }, ['HQ', 'manager']),
    { name: 'dashboard, all stores (mini-program home)', role: 'HQ', path: '/api/mp/dashboard' },
    { name: 'dashboard, one store', role: 'HQ', path: '/api/mp/dashboard?storeId=1' },
    ...both({ name: 'dashboard, one store', path: '/api/mp/dashboard' }, ['manager', 'rep']),
    ...both({ name: 'customers, first page', path: '/api/mp/customers' }, ['HQ', 'manager', 'rep']),
    ...both({ name: 'customers filtered by RFM segment', path: '/api/mp/customers?segment=important_value' }, ['HQ', 'manager']),
    ...both({ name: `customers filtered by tag (${SAMPLE_TAG})`, path: `/api/mp/customers?tag=${encodeURIComponent(SAMPLE_TAG)}` }, ['HQ', 'manager']),
    ...both({ name: 'customers filtered by stage (dormant)', path: '/api/mp/customers?stage=dormant' }, ['HQ', 'manager']),
    ...both({ name: 'customers by name (王)', path: `/api/mp/customers?q=${encodeURIComponent('王')}` }, ['HQ', 'manager', 'rep']),
    ...both({ name: 'customers by phone tail', path: '/api/mp/customers?q=0420' }, ['HQ', 'rep']),
    { name: 'customers, deep page (offset 50,000)', role: 'HQ', path: '/api/mp/customers?offset=50000' },
    { name: 'customers, deep page (offset 500)', role: 'manager', path: '/api/mp/customers?offset=500' },
    ...both({ name: 'orders, first page', path: '/api/mp/orders' }, ['HQ', 'manager']),
    { name: 'tasks of the store', role: 'manager', path: '/api/mp/tasks?scope=store' },
    { name: 'tasks, mine', role: 'rep', path: '/api/mp/tasks' },
  ];
}

async function timeOne(url: string, auth: string, timeoutMs: number): Promise<number | 'timeout' | string> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { headers: { authorization: auth }, signal: AbortSignal.timeout(timeoutMs) });
    // The whole body counts: exports stream.
    await res.arrayBuffer();
    if (res.status !== 200) return `HTTP ${res.status}`;
    return performance.now() - t0;
  } catch (e) {
    if ((e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError') return 'timeout';
    return (e as Error).message.slice(0, 80);
  }
}

async function timeRead(url: string, auth: () => string, o: { n: number; timeoutMs: number; budgetMs: number }): Promise<Timing> {
  const t: Timing = { samples: [], timedOut: false };
  const warm = await timeOne(url, auth(), o.timeoutMs);
  if (warm === 'timeout') return { ...t, timedOut: true };
  if (typeof warm === 'string') return { ...t, error: warm };
  let used = 0;
  for (let i = 0; i < o.n; i++) {
    const r = await timeOne(url, auth(), o.timeoutMs);
    if (r === 'timeout') return { ...t, timedOut: true };
    if (typeof r === 'string') return { ...t, error: r };
    t.samples.push(r);
    used += r;
    if (used > o.budgetMs && t.samples.length >= 3) break;
  }
  return t;
}

async function ensureSeeded(size: number, o: AdminReadsOptions, log: (l: string) => void): Promise<{ mysqlUrl?: string; sqlite?: string }> {
  const target = o.embedded ? { sqlite: `data/seed-${size}.sqlite` } : { mysqlUrl: `${(o.mysqlServer ?? DEFAULT_SERVER).replace(/\/$/, '')}/siyu_seed_${size}` };
  const have = await seededCustomers(target);
  if (have === size) {
    log(`admin-reads: reusing the seeded ${size.toLocaleString('en-US')} customers in ${target.mysqlUrl ?? target.sqlite}`);
  } else {
    log(`admin-reads: seeding ${size.toLocaleString('en-US')} customers into ${target.mysqlUrl ?? target.sqlite}`);
    await seedDatabase({ customers: size, stores: o.stores ?? 100, ...target, reset: true, log });
  }
  return target;
}

async function measureSize(size: number, o: AdminReadsOptions, log: (l: string) => void): Promise<Map<string, Timing>> {
  const target = await ensureSeeded(size, o, log);
  const stores = o.stores ?? 100;
  const em = new WecomEmulator({ corpId: SEED_CORP, secrets: [CONTACT_SECRET, AGENT_SECRET], agentIds: [1000002] });
  const apiBase = await em.listen(0, '127.0.0.1');
  const port = await freePort();
  const adminKey = randomBytes(16).toString('hex');
  const jwtSecret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'https://bench.siyu.example',
    LOG_LEVEL: 'info',
    WECOM_CORP_ID: SEED_CORP,
    WECOM_TOKEN: 'benchtoken',
    WECOM_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
    WECOM_CONTACT_SECRET: CONTACT_SECRET,
    WECOM_AGENT_ID: '1000002',
    WECOM_AGENT_SECRET: AGENT_SECRET,
    WECOM_API_BASE: apiBase,
    ADMIN_API_KEY: adminKey,
    JWT_SECRET: jwtSecret,
    PII_KEY: SEED_PII_KEY,
    ...(target.mysqlUrl
      ? { MYSQL_URL: target.mysqlUrl, REDIS_URL: o.redisUrl ?? 'redis://127.0.0.1:6379', CACHE_PREFIX: `siyu:bench:reads:${randomBytes(4).toString('hex')}:` }
      : { SQLITE_FILE: target.sqlite!, MYSQL_URL: '', REDIS_URL: '' }),
  };
  const app = await startProcess(['--import', 'tsx', 'src/main/http.ts'], env, /http role started/, 120_000);
  // Access tokens as the mini-program holds them after login (seeded staff: HQ id 1, mgr1 id 2, rep1_1 id stores + 2).
  const codec = new JwtCodec(createHmac('sha256', jwtSecret).update('siyu mini-program tokens').digest());
  const principals: Record<Role, { sub: string; role: string; storeId: number | null }> = {
    HQ: { sub: '1', role: 'hq_admin', storeId: null },
    manager: { sub: '2', role: 'store_manager', storeId: 1 },
    rep: { sub: String(stores + 2), role: 'rep', storeId: 1 },
  };
  const out = new Map<string, Timing>();
  try {
    const opts = { n: o.n ?? 20, timeoutMs: o.timeoutMs ?? 60_000, budgetMs: o.budgetMs ?? 60_000 };
    for (const r of reads(Date.now())) {
      const auth = () => (r.admin ? `Bearer ${adminKey}` : `Bearer ${codec.sign({ ...principals[r.role], ver: 0 }, 'mp', Date.now(), 15 * 60_000)}`);
      const t = await timeRead(`http://127.0.0.1:${port}${r.path}`, auth, opts);
      out.set(`${r.name}|${r.role}`, t);
      log(`  ${size.toLocaleString('en-US')}: ${r.name} (${r.role}) ${cell(t, 50)} / ${cell(t, 99)}${t.samples.length ? ` n=${t.samples.length}` : ''}`);
    }
  } finally {
    await stopProcess(app);
    await em.close();
  }
  return out;
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(x >= 10_000 ? 0 : 1)} s` : `${Math.round(x)} ms`);
function cell(t: Timing | undefined, p: number): string {
  if (!t) return '–';
  if (t.timedOut) return 'times out';
  if (t.error) return t.error;
  return ms(percentile([...t.samples].sort((a, b) => a - b), p));
}
const p50 = (t: Timing | undefined) => (t && !t.timedOut && !t.error ? percentile([...t.samples].sort((a, b) => a - b), 50) : NaN);

export async function adminReads(o: AdminReadsOptions): Promise<Result> {
  const log = (l: string) => console.log(l);
  const bySize = new Map<number, Map<string, Timing>>();
  for (const size of o.sizes) bySize.set(size, await measureSize(size, o, log));
  const keys = reads(Date.now()).map((r) => [`${r.name}|${r.role}`, r] as const);
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
  const first = o.sizes[0]!;
  const last = o.sizes[o.sizes.length - 1]!;
  const growth = o.sizes.length > 1;
  const header = ['read', 'role', ...o.sizes.flatMap((s) => [`p50 @${label(s)}`, `p99 @${label(s)}`]), ...(growth ? [`p50 growth ${label(first)}→${label(last)}`] : [])];
  const rows = keys.map(([key, r]) => {
    const cells = o.sizes.flatMap((s) => [cell(bySize.get(s)!.get(key), 50), cell(bySize.get(s)!.get(key), 99)]);
    const g = p50(bySize.get(last)!.get(key)) / p50(bySize.get(first)!.get(key));
    const timedOutLast = bySize.get(last)!.get(key)?.timedOut;
    return [r.name, r.role, ...cells, ...(growth ? [timedOutLast ? '> timeout' : Number.isFinite(g) ? `×${g.toFixed(1)}` : '–'] : [])];
  });
  const n = o.n ?? 20;
  const lines = [
    `# Admin and mini-program reads at a chain's scale — ${new Date().toISOString()}`,
    '',
    `${o.embedded ? 'SQLite' : 'MariaDB + Redis'}; ${o.stores ?? 100} stores; seeded by \`npm run seed\` (per customer ~10 timeline events, ~4.9 scans, ~1.15 orders).`,
    `Each read: one unmeasured warm-up, then up to ${n} sequential requests (fewer once a read has used ${Math.round((o.budgetMs ?? 60_000) / 1000)} s, at least 3); a request over ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s "times out" and is not repeated.`,
    'Time to the last byte of the body, seen by a client on loopback. HQ is a hq_admin, manager is store 1\'s manager, rep is one of store 1\'s reps; "admin API" reads use the admin key.',
    'The box is shared and noisy (2 cores): compare rows within one run, not absolute figures across runs.',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
  const out = o.out ?? process.env.BENCH_READS_OUT ?? 'bench/results/admin-reads.md';
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.join('\n'));
  log(`wrote ${out}`);
  const all = [...bySize.get(last)!.values()];
  return {
    scenario: `admin and mini-program reads at ${o.sizes.map(label).join(', ')} customers (table in ${out})`,
    rps: NaN,
    p50: NaN,
    p99: NaN,
    non2xx: all.filter((t) => t.error).length,
    errors: all.filter((t) => t.timedOut).length,
    unit: 'reads',
    extra: { 'reads timed': all.length, 'reads that time out (largest size)': all.filter((t) => t.timedOut).length, 'reads with an error answer': all.filter((t) => t.error).length },
  };
}

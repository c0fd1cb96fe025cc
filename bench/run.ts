/**
 * `npm run bench`: every scenario against real servers on loopback, each compared with a bare
 * Koa route measured in the same run (these boxes are noisy; only ratios are comparable).
 * Writes a Markdown table to bench/RESULTS.md (`--out` to change) and the same figures as JSON
 * beside it (RESULTS.json). Defaults to MariaDB + Redis on 127.0.0.1; `--embedded` runs on
 * SQLite + the in-process cache instead. A scenario that fails is reported in the table and
 * the run goes on.
 *
 *   npm run bench [-- --duration 10 --warmup 3 --connections 50 --embedded --only callback,landing-scan --out bench/RESULTS.md]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { CallbackCrypto } from '../src/integrations/wecom/crypto.js';
import { WecomEmulator } from '../src/sandbox/wecom/index.js';
import { buildXml } from '../src/integrations/wecom/xml.js';
import { adminReads } from './admin-reads.js';
import { botInbound, outboxDrain } from './bot.js';
import { callbackBurst, callbackOverload, type BurstDeps } from './bursts.js';
import { journeyDispatch } from './journeys.js';
import { rfmScenario } from './rfm.js';
import { freePort, load, peakRssMb, percentile, resetPeakRss, startProcess, stopProcess, type Result } from './lib.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    embedded: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/RESULTS.md' },
    'rfm-customers': { type: 'string' },
    // admin-reads: the customer counts to seed (or reuse) and time, e.g. 100000,1000000.
    sizes: { type: 'string', default: '100000' },
  },
});
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const MYSQL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const CORP = 'wwBENCHCORP0000001';
const TOKEN = 'benchtoken';
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CONTACT_SECRET = 'bench-contact-secret';
const AGENT_SECRET = 'bench-agent-secret';
const ADMIN_KEY = randomBytes(16).toString('hex');
const JWT = randomBytes(32).toString('hex');
const PII = randomBytes(32).toString('hex');
const REPS = Array.from({ length: 10 }, (_, i) => `rep${String(i + 1).padStart(3, '0')}`);

const tsx = ['--import', 'tsx'];

async function bareKoa(): Promise<Result> {
  const port = await freePort();
  const child = await startProcess([...tsx, 'bench/servers/bare-koa.ts'], { PORT: String(port) }, /LISTENING/);
  try {
    const url = `http://127.0.0.1:${port}/hello`;
    if (warmup) await load({ url, connections, durationSec: warmup });
    const r = await load({ url, connections, durationSec: duration });
    return { scenario: 'bare Koa GET /hello (baseline)', rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, rssMb: peakRssMb(child.pid!) };
  } finally {
    await stopProcess(child);
  }
}

async function freshBenchDb(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (args.embedded) {
    const file = `data/bench-${randomBytes(4).toString('hex')}.sqlite`;
    return { env: { SQLITE_FILE: file, MYSQL_URL: '', REDIS_URL: '' }, drop: async () => {} };
  }
  const name = `siyu_bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: MYSQL });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.destroy();
  return {
    env: { MYSQL_URL: `${MYSQL.replace(/\/$/, '')}/${name}`, REDIS_URL: REDIS, CACHE_PREFIX: `siyu:bench:${name}:` },
    drop: async () => {
      const a = knexFactory({ client: 'mysql2', connection: MYSQL });
      await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.destroy();
    },
  };
}

/** The app as production runs it, pointed at the bench's WeCom emulator and database. */
function appEnv(port: number, apiBase: string, dbEnv: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'https://bench.siyu.example',
    LOG_LEVEL: 'info',
    WECOM_CORP_ID: CORP,
    WECOM_TOKEN: TOKEN,
    WECOM_AES_KEY: AES,
    WECOM_CONTACT_SECRET: CONTACT_SECRET,
    WECOM_AGENT_ID: '1000002',
    WECOM_AGENT_SECRET: AGENT_SECRET,
    WECOM_API_BASE: apiBase,
    // WeCom itself allows about 10,000 calls a minute per API and corp (wecom-protocol.md §2.2);
    // the emulator does not, and the bench measures Siyu, so the client's own gate is opened up.
    WECOM_RATE_PER_MINUTE: '100000',
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_SECRET: JWT,
    PII_KEY: PII,
    // The bench runs no bot role: journeys go by WeCom mass messages (README "No bot account").
    BOT_ENABLED: 'false',
    ...dbEnv,
  };
}

/**
 * The encrypted add_external_contact callback end to end: every request is a distinct
 * customer with a fresh WelcomeCode minted in the emulator (which plays WeCom in this process),
 * signed and encrypted like WeCom does. Welcome latency is from the moment the request was
 * built to the moment the emulator accepted send_welcome_msg.
 */
async function callback(): Promise<Result> {
  return callbackScenario({ mode: 'saturate' });
}

/** Same traffic at a fixed rate well inside what one corp may send (WeCom allows ~166 welcomes/s). */
async function callbackSteady(): Promise<Result> {
  return callbackScenario({ mode: 'steady', rate: Number(process.env.BENCH_STEADY_RATE ?? 300) });
}

/** The acknowledgement path alone: tag-library events, which Siyu verifies, decrypts, records and answers. */
async function callbackAck(): Promise<Result> {
  return callbackScenario({ mode: 'ack' });
}

/** The emulator child process and a tiny request/response over IPC. */
async function startEmulatorProcess() {
  let url = '';
  const child = await startProcess([...tsx, 'bench/servers/emulator.ts'], { CORP, SECRETS: `${CONTACT_SECRET},${AGENT_SECRET}`, REPS: REPS.join(',') }, /EMULATOR (\S+)/, 30_000, (line) => {
    const m = /EMULATOR (\S+)/.exec(line);
    if (m) url = m[1]!;
  }, true);
  let next = 0;
  const pending = new Map<number, (v: { result: unknown; total?: number }) => void>();
  child.on('message', (m: { id: number; result: unknown; total?: number }) => pending.get(m.id)?.(m));
  const ask = <T>(msg: Record<string, unknown>) =>
    new Promise<{ result: T; total?: number }>((resolve) => {
      const id = ++next;
      pending.set(id, resolve as never);
      child.send({ ...msg, id });
    });
  return {
    child,
    url,
    mint: async (n: number, state: string) => (await ask<Array<{ userid: string; externalUserId: string; code: string }>>({ type: 'mint', n, state, reps: REPS })).result,
    welcomes: async (from: number) => {
      const r = await ask<Array<[string, number]>>({ type: 'welcomes', from });
      return { list: r.result, total: r.total! };
    },
  };
}

async function callbackScenario(opts: { mode: 'saturate' | 'steady' | 'ack'; rate?: number }): Promise<Result> {
  const em = await startEmulatorProcess();
  const db = await freshBenchDb();
  const port = await freePort();
  const app = await startProcess(
    [...tsx, ...(process.env.BENCH_APP_NODE_ARGS ? process.env.BENCH_APP_NODE_ARGS.split(' ') : []), 'src/main/all.ts'],
    appEnv(port, em.url, db.env),
    /siyu started/,
    60_000,
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    const res = await fetch(`${base}/api/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '压测渠道', kind: 'poster', staffUserIds: REPS, welcomeText: '您好{name}，欢迎！', tags: ['楼栋:1号楼'] }),
    });
    const channel = (await res.json()) as { code: string };
    if (res.status !== 201) throw new Error(`channel create failed: ${res.status} ${JSON.stringify(channel)}`);
    const crypto = new CallbackCrypto({ token: TOKEN, encodingAesKey: AES, corpId: CORP });
    const sentAt = new Map<string, number>();
    let n = 0;
    const envelope = (ts: string, nonce: string, plaintext: string) => {
      const enc = crypto.encrypt(plaintext);
      return {
        path: `/wecom/callback?msg_signature=${crypto.signature(ts, nonce, enc)}&timestamp=${ts}&nonce=${nonce}`,
        body: `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
      };
    };
    const tagEvent = () => {
      const i = ++n;
      const ts = String(Math.floor(Date.now() / 1000));
      return envelope(ts, String(i), buildXml({ ToUserName: CORP, FromUserName: 'sys', CreateTime: Number(ts), MsgType: 'event', Event: 'change_external_tag', ChangeType: 'update', Id: `etBENCH${i}`, TagType: 'tag' }));
    };
    const addEvent = (m: { userid: string; externalUserId: string; code: string }) => {
      const i = ++n;
      const ts = String(Math.floor(Date.now() / 1000));
      const plaintext = buildXml({ ToUserName: CORP, FromUserName: 'sys', CreateTime: Number(ts), MsgType: 'event', Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: m.userid, ExternalUserID: m.externalUserId, State: channel.code, WelcomeCode: m.code });
      return { ...envelope(ts, String(i), plaintext), code: m.code };
    };
    // Requests are built before each phase (customers and welcome codes minted in the emulator
    // process, envelopes encrypted here), so the load generator only sends. Welcome codes stay
    // valid 20 s, which bounds how many are built ahead; past the pool, tag events keep the load.
    let pool: Array<{ path: string; body: string; code?: string }> = [];
    const fill = async (count: number) => {
      pool = [];
      if (opts.mode === 'ack') {
        for (let i = 0; i < count; i++) pool.push(tagEvent());
      } else {
        for (let done = 0; done < count; done += 2000) for (const m of await em.mint(Math.min(2000, count - done), channel.code)) pool.push(addEvent(m));
      }
      pool.reverse();
    };
    const poolSize = (sec: number) => (opts.mode === 'steady' ? Math.ceil(opts.rate! * sec * 1.1) : 12_000 * sec);
    const setupRequest = (req: { path: string; method: string }) => {
      const r: { path: string; body: string; code?: string } = pool.pop() ?? tagEvent();
      if (r.code) sentAt.set(r.code, Date.now());
      return { ...req, method: 'POST', path: r.path, body: r.body, headers: { 'content-type': 'text/xml' } };
    };
    const url = `${base}/wecom/callback`;
    const rate = opts.mode === 'steady' ? opts.rate : undefined;
    if (warmup) {
      await fill(poolSize(warmup));
      await load({ url, connections, durationSec: warmup, setupRequest, rate });
    }
    // Let the warm-up backlog finish so it does not count against the measured run.
    await settle(async () => (await em.welcomes(0)).total);
    const welcomedBefore = (await em.welcomes(0)).total;
    await fill(poolSize(duration));
    const started = Date.now();
    const r = await load({ url, connections, durationSec: duration, setupRequest, rate });
    await settle(async () => (await em.welcomes(0)).total);
    const measured = (await em.welcomes(welcomedBefore)).list.filter(([code]) => (sentAt.get(code) ?? 0) >= started);
    const lat = measured.map(([code, at]) => at - sentAt.get(code)!).sort((a, b) => a - b);
    const health = (await (await fetch(`${base}/healthz`)).json()) as Record<string, unknown>;
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metricsText)?.[1] ?? NaN);
    const inbox = {
      'group commit: mean events per INSERT': metric('siyu_callback_inbox_batch_size_sum') / metric('siyu_callback_inbox_batch_size_count'),
      'group commit: mean INSERT ms': (1000 * metric('siyu_callback_inbox_flush_seconds_sum')) / metric('siyu_callback_inbox_flush_seconds_count'),
    };
    const sent = [...sentAt.values()].filter((t) => t >= started).length;
    return {
      scenario: {
        saturate: 'add_external_contact callback, end to end, at saturation',
        steady: `add_external_contact callback, end to end, steady ${opts.rate}/s`,
        ack: 'callback acknowledgement only (verify, decrypt, parse, durable record)',
      }[opts.mode],
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      rssMb: peakRssMb(app.pid!),
      extra:
        opts.mode === 'ack'
          ? { ...inbox, db: String(health.dbClient), cache: String(health.cacheKind) }
          : {
              ...inbox,
              'add events sent (measured run)': sent,
              'welcomes delivered for them': measured.length,
              'welcome p50 ms': percentile(lat, 50),
              'welcome p99 ms': percentile(lat, 99),
              // Every welcome outcome of the app's life (warm-up included), as its metrics count them.
              'welcome outcomes (app metrics)': [...metricsText.matchAll(/^siyu_welcome_sends_total\{outcome="([^"]+)"\} (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ') || '–',
              db: String(health.dbClient),
              cache: String(health.cacheKind),
            },
    };
  } finally {
    await stopProcess(app);
    await stopProcess(em.child);
    await db.drop();
  }
}

/**
 * A poster campaign: people scan the landing QR. Every request is a new phone (no cookie), so
 * each one is a unique visitor: the scan is counted, the visitor marked, the page rendered.
 */
async function landingScan(): Promise<Result> {
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET, AGENT_SECRET], agentIds: [1000002] });
  for (const r of REPS) em.addEmployee(r);
  const apiBase = await em.listen(0, '127.0.0.1');
  const db = await freshBenchDb();
  const port = await freePort();
  const app = await startProcess([...tsx, ...(process.env.BENCH_APP_NODE_ARGS ? process.env.BENCH_APP_NODE_ARGS.split(' ') : []), 'src/main/all.ts'], appEnv(port, apiBase, db.env), /siyu started/, 60_000);
  const base = `http://127.0.0.1:${port}`;
  try {
    const res = await fetch(`${base}/api/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '电梯-3号楼-A', kind: 'elevator', staffUserIds: REPS, welcomeText: '欢迎', attributes: { 楼栋: '3号楼', 电梯: 'A' } }),
    });
    const channel = (await res.json()) as { code: string };
    const url = `${base}/s/${channel.code}`;
    if (warmup) await load({ url, connections, durationSec: warmup });
    const r = await load({ url, connections, durationSec: duration });
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    const errors5xx = /siyu_http_requests_total\{method="GET",route="\/s\/:code",status="5\d\d"\} (\d+)/.exec(metricsText)?.[1] ?? '0';
    return {
      scenario: 'landing page scan burst (new visitor each, scan recorded)',
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      rssMb: peakRssMb(app.pid!),
      extra: { '5xx answers': errors5xx },
    };
  } finally {
    await stopProcess(app);
    await em.close();
    await db.drop();
  }
}

/** Waits until a counter stops moving (the app drained its backlog), at most 30 s. */
async function settle(count: () => Promise<number> | number): Promise<void> {
  let last = -1;
  for (let i = 0; i < 300; i++) {
    const c = await count();
    if (c === last) return;
    last = c;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The bot scenarios run in this process; they get a fresh database like the others. */
async function botScenario(run: (db: { mysqlUrl?: string; sqliteFile: string }, redisUrl?: string) => Promise<Result>): Promise<Result> {
  const db = await freshBenchDb();
  try {
    return await run(db.env.MYSQL_URL ? { mysqlUrl: db.env.MYSQL_URL, sqliteFile: ':memory:' } : { sqliteFile: db.env.SQLITE_FILE! }, db.env.REDIS_URL || undefined);
  } finally {
    await db.drop();
  }
}

const burstDeps: BurstDeps = { tsx, corp: CORP, token: TOKEN, aes: AES, adminKey: ADMIN_KEY, reps: REPS, secrets: [CONTACT_SECRET, AGENT_SECRET], appEnv, freshBenchDb };

const fmt = (x: number) => (Number.isFinite(x) ? (Math.round(x * 10) / 10).toLocaleString('en-US') : '–');

async function main() {
  const results: Result[] = [];
  const baseline = await bareKoa();
  results.push(baseline);
  console.log(`baseline: ${fmt(baseline.rps)} rps, p99 ${baseline.p99} ms`);
  const scenarios: Record<string, () => Promise<Result>> = {
    'callback-ack': callbackAck,
    callback,
    'callback-steady': callbackSteady,
    'callback-burst': () => callbackBurst(burstDeps),
    'callback-overload': () => callbackOverload(burstDeps, { probeSec: 10, probeRate: Number(process.env.BENCH_PROBE_RATE ?? 400), seconds: Number(process.env.BENCH_OVERLOAD_SEC ?? 30) }),
    'landing-scan': landingScan,
    'bot-inbound': () => botScenario((db, redisUrl) => botInbound({ db, redisUrl, messages: Number(process.env.BENCH_BOT_MESSAGES ?? 20_000), contacts: 500 })),
    'journey-dispatch': () => botScenario((db, redisUrl) => journeyDispatch({ db, redisUrl, customers: Number(process.env.BENCH_JOURNEY_CUSTOMERS ?? 5000) })),
    // MariaDB only: the point is the 1M-customer recompute against hand-written SQL.
    ...(args.embedded ? {} : { rfm: () => rfmScenario({ mysqlUrl: MYSQL, customers: Number(args['rfm-customers'] ?? process.env.BENCH_RFM_CUSTOMERS ?? 1_000_000) }) }),
    // Opt-in (--only admin-reads): it seeds a chain on first use and times ~40 reads.
    ...(args.only?.split(',').includes('admin-reads') ? { 'admin-reads': () => adminReads({ sizes: args.sizes!.split(',').map(Number), embedded: args.embedded, mysqlServer: MYSQL, redisUrl: REDIS, n: Number(process.env.BENCH_READS_N ?? 20), timeoutMs: Number(process.env.BENCH_READS_TIMEOUT_MS ?? 60_000), budgetMs: Number(process.env.BENCH_READS_BUDGET_MS ?? 60_000), stores: Number(process.env.BENCH_READS_STORES ?? 100) }) } : {}),
    'outbox-drain': () => botScenario((db, redisUrl) => outboxDrain({ db, redisUrl, messages: 0, contacts: 0, ratePerMinute: 600, jitterMs: 50, seconds: duration })),
  };
  const failed: Array<{ name: string; error: string }> = [];
  for (const [name, run] of Object.entries(scenarios)) {
    if (args.only && !args.only.split(',').includes(name)) continue;
    // In-process scenarios (bot, journeys, RFM) report the bench process's own peak, from here on.
    resetPeakRss(process.pid);
    try {
      const r = await run();
      if (r.rssMb === undefined) Object.assign(r, { rssMb: peakRssMb(process.pid), rssOf: 'bench process' });
      results.push(r);
      console.log(`${name}: ${fmt(r.rps)} ${r.unit ?? 'req/s'} (${fmt((100 * r.rps) / baseline.rps)}% of bare Koa), p99 ${r.p99} ms`, r.extra ?? '');
    } catch (e) {
      failed.push({ name, error: (e as Error).message.split('\n')[0]!.slice(0, 300) });
      console.error(`${name}: failed`, e);
    }
  }
  const backend = args.embedded ? 'SQLite + in-process cache' : 'MariaDB + Redis';
  const at = new Date().toISOString();
  const ratio = (r: Result) => (100 * r.rps) / baseline.rps;
  const lines = [
    `# Siyu bench — ${at}`,
    '',
    `autocannon, ${connections} connections, ${duration} s measured after ${warmup} s warm-up; Node ${process.version}; ${backend}.`,
    'Throughput is requests/s for HTTP scenarios and the unit shown otherwise; "vs bare Koa" divides it by the bare Koa route measured in this run.',
    'Peak RSS is the app server\'s (VmHWM), or the bench process\'s for scenarios that run inside it (bot, journeys, RFM: its own peak is in the notes).',
    '',
    '| scenario | throughput | vs bare Koa | p50 ms | p99 ms | non-2xx | errors | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.scenario} | ${fmt(r.rps)} ${r.unit ?? 'req/s'} | ${fmt(ratio(r))}% | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.non2xx} | ${r.errors} | ${r.rssMb ?? '–'}${r.rssOf ? ` (${r.rssOf})` : ''} |`),
    ...failed.map((f) => `| ${f.name} | failed: ${f.error.replaceAll('|', '/')} | – | – | – | – | – | – |`),
    '',
    ...results.filter((r) => r.extra).flatMap((r) => [`**${r.scenario}**`, '', ...Object.entries(r.extra!).map(([k, v]) => `- ${k}: ${typeof v === 'number' ? fmt(v) : v}`), '']),
  ];
  mkdirSync(dirname(args.out!), { recursive: true });
  writeFileSync(args.out!, lines.join('\n') + '\n');
  const jsonOut = args.out!.replace(/\.md$/, '') + '.json';
  const json = { at, node: process.version, backend, connections, durationSec: duration, warmupSec: warmup, baselineRps: baseline.rps, results: results.map((r) => ({ ...r, unit: r.unit ?? 'req/s', vsBareKoaPct: ratio(r) })), failed };
  // NaN (no latency for a scenario) becomes null.
  writeFileSync(jsonOut, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nwrote ${args.out} and ${jsonOut}`);
  if (failed.length) process.exitCode = 1;
}

await main();

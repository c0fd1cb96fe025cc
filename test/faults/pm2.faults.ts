import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import knexFactory from 'knex';
import { WecomEmulator, type ScanReport } from '../../src/sandbox/wecom/index.js';
import { freshDatabase, freshPrefix } from '../support/backends.js';
import { backendsOrSkip, waitFor } from './support/suite.js';

/**
 * The production deployment as README describes it: `npm run build`, the built migrate role,
 * then `pm2 start ecosystem.config.js --env production` — two http workers in cluster mode and
 * the jobs role, with no bot account (BOT_ENABLED=false) — on MariaDB + Redis, WeCom being the
 * emulator in this process. Before that, the exit-code rule: a role refusing its configuration
 * is left stopped, one that cannot reach its database is restarted.
 *
 * Under traffic (customers adding a rep through a channel: WeCom callbacks; phones opening the
 * channel's landing page, a new connection each, as phones do) the http workers are reloaded
 * with `pm2 reload`; nothing may be lost: every callback acknowledged and processed (one
 * welcome each), every landing scan answered and recorded, and each new customer's journey
 * touch sent as a WeCom mass message (no bot: the ladder starts there).
 *
 * PM2 runs with its own PM2_HOME in a temporary directory; the daemon is killed at the end,
 * pass or fail.
 */

const backends = backendsOrSkip();
const ROOT = process.cwd();
const PM2 = join(ROOT, 'node_modules', '.bin', 'pm2');

interface Pm2Proc {
  name: string;
  pid: number;
  pm2_env: { status: string; restart_time: number; exit_code?: number; pm_id: number };
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Runs a command to its end; rejects with its output when it exits non-zero. */
function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 240_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** GET with a connection of its own (no keep-alive): what a phone scanning a poster opens. */
const phoneGet = (url: string) =>
  new Promise<number>((resolve) => {
    const req = get(url, { agent: false, headers: { 'user-agent': 'Mozilla/5.0 (iPhone) MicroMessenger/8.0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(10_000, () => req.destroy());
  });

if (backends) {
  test('PM2: build, migrate, start the ecosystem file with no bot, reload the http workers under traffic, lose nothing', async (t) => {
    const started = Date.now();
    const phase = (name: string) => t.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // WeCom: the emulator, its callbacks aimed at the http workers' shared port.
    const corpId = 'wwpm2faults00000001';
    const contactSecret = randomBytes(16).toString('hex');
    const token = randomBytes(12).toString('hex');
    const aesKey = randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(43, 'A').slice(0, 43);
    const emulator = new WecomEmulator({ corpId, secrets: [contactSecret], agentIds: [1000002] });
    for (const u of ['rep001', 'rep002']) emulator.addEmployee(u, { name: u });
    const apiBase = await emulator.listen(0, '127.0.0.1');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    emulator.setCallback({ url: `${url}/wecom/callback`, token, encodingAesKey: aesKey, agentId: '1000002' });
    t.teardown(() => emulator.close());

    const { mysqlUrl } = await freshDatabase(t);
    const db = knexFactory({ client: 'mysql2', connection: { uri: mysqlUrl!, supportBigNumbers: true } as never, pool: { min: 0, max: 2 } });
    t.teardown(() => db.destroy());
    const count = async (sql: string) => Number(((await db.raw(sql))[0] as Array<{ n: number }>)[0]!.n);

    const home = mkdtempSync(join(tmpdir(), 'siyu-pm2-'));
    const adminKey = randomBytes(16).toString('hex');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? home,
      PM2_HOME: home,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'https://pm2.siyu.example',
      LOG_LEVEL: 'info',
      MYSQL_URL: mysqlUrl!,
      REDIS_URL: backends.redisUrl,
      CACHE_PREFIX: freshPrefix(),
      WECOM_CORP_ID: corpId,
      WECOM_TOKEN: token,
      WECOM_AES_KEY: aesKey,
      WECOM_CONTACT_SECRET: contactSecret,
      WECOM_AGENT_ID: '1000002',
      WECOM_API_BASE: apiBase,
      WECOM_RATE_PER_MINUTE: '100000',
      ADMIN_API_KEY: adminKey,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PII_KEY: randomBytes(32).toString('hex'),
      BOT_ENABLED: 'false',
      SIYU_HTTP_INSTANCES: '2',
      SIYU_JOBS_METRICS_PORT: String(await freePort()),
      SIYU_BOT_METRICS_PORT: String(await freePort()),
      // Journeys tick every second, at any hour, without marketing caps in the way.
      JOURNEY_TICK_SECONDS: '1',
      JOURNEY_QUIET_FROM: '00:00',
      JOURNEY_QUIET_TO: '00:00',
      JOURNEY_CAP_PER_DAY: '100',
      JOURNEY_CAP_PER_WEEK: '700',
    };
    const pm2 = (...args: string[]) => run(process.execPath, [PM2, ...args], env, 60_000);
    const list = async (): Promise<Pm2Proc[]> => {
      const r = await pm2('jlist');
      return JSON.parse(r.out.slice(r.out.indexOf('['))) as Pm2Proc[];
    };
    // PM2's own log too: the http workers' logs land there in cluster mode (pino writes to fd 1).
    const logs = () =>
      [...readdirSync(join(home, 'logs')).map((f) => join(home, 'logs', f)), join(home, 'pm2.log')]
        .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
        .join('\n');
    // Registered before anything starts PM2: the daemon and its apps go, pass or fail.
    t.teardown(async () => {
      const daemon = Number(existsSync(join(home, 'pm2.pid')) ? readFileSync(join(home, 'pm2.pid'), 'utf8') : 0);
      await pm2('kill');
      // pm2 kill failing (a daemon not answering) must not leave it running on the box.
      if (daemon) {
        try {
          process.kill(daemon, 'SIGKILL');
        } catch {
          // already gone: what pm2 kill is for
        }
      }
      rmSync(home, { recursive: true, force: true });
    });

    const build = await run('npm', ['run', 'build'], env);
    if (build.code !== 0) throw new Error(`npm run build failed:\n${build.out}`);
    phase('built');
    const migrate = await run(process.execPath, ['dist/src/main/migrate.js'], env);
    if (migrate.code !== 0) throw new Error(`the migrate role failed:\n${migrate.out}`);
    t.true((await count("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'customers'")) === 1);
    phase('migrated');

    // The exit-code rule, in PM2: a bot with no token in production refuses its configuration
    // (78) and is not restarted; jobs whose database is down (1) is restarted, with backoff.
    // (PM2 7 lists the refused one as "waiting restart", because of exp_backoff_restart_delay,
    // but never restarts it: its restart count stays 0.)
    const must = <T>(p: Promise<T>) => p.catch((e: Error) => Promise.reject(new Error(`${e.message}\n${logs()}`)));
    t.is((await pm2('ping')).code, 0, 'the daemon starts');
    const refusing = await run(process.execPath, [PM2, 'start', 'ecosystem.config.js', '--env', 'production', '--only', 'siyu-bot'], { ...env, BOT_ENABLED: '' }, 60_000);
    t.is(refusing.code, 0, refusing.out);
    const failing = await run(process.execPath, [PM2, 'start', 'ecosystem.config.js', '--env', 'production', '--only', 'siyu-jobs'], { ...env, MYSQL_URL: `mysql://root@127.0.0.1:${await freePort()}/nowhere` }, 60_000);
    t.is(failing.code, 0, failing.out);
    const byName = async (name: string) => (await list()).find((p) => p.name === name);
    await must(waitFor('the bot role to exit 78', async () => (await byName('siyu-bot'))?.pm2_env.exit_code === 78, { timeoutMs: 60_000, everyMs: 300 }));
    await must(waitFor('the jobs role to be restarted', async () => ((await byName('siyu-jobs'))?.pm2_env.restart_time ?? 0) >= 1, { timeoutMs: 60_000, everyMs: 300 }));
    const bot = (await byName('siyu-bot'))!;
    t.is(bot.pm2_env.restart_time, 0, 'a configuration refusal is not restarted');
    t.is(bot.pm2_env.exit_code, 78);
    t.is(bot.pid, 0, 'and not running');
    t.is((await byName('siyu-jobs'))!.pm2_env.exit_code, 1, 'start-up failed for a reason that may pass');
    t.regex(logs(), /WECHATY_PUPPET_SERVICE_TOKEN[^\n]*BOT_ENABLED=false/);
    t.is((await pm2('delete', 'all')).code, 0);
    phase('exit codes checked');

    // The deployment: two http workers and the jobs role; no bot role at all.
    const start = await pm2('start', 'ecosystem.config.js', '--env', 'production');
    if (start.code !== 0) throw new Error(`pm2 start failed:\n${start.out}`);
    const online = await must(
      waitFor('two http workers and the jobs role online', async () => {
        const ps = await list();
        const up = ps.filter((p) => p.pm2_env.status === 'online');
        return up.filter((p) => p.name === 'siyu-http').length === 2 && up.some((p) => p.name === 'siyu-jobs') && ps;
      }, { timeoutMs: 90_000, everyMs: 300 }),
    );
    t.deepEqual([...new Set(online.map((p) => p.name))].sort(), ['siyu-http', 'siyu-jobs'], 'BOT_ENABLED=false starts no bot role');
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
    };
    await must(waitFor('the http workers to answer', async () => (await api('GET', '/healthz')).status === 200, { timeoutMs: 30_000 }));
    phase('started');

    const ch = await api('POST', '/api/channels', { name: 'PM2', kind: 'elevator', staffUserIds: ['rep001', 'rep002'], welcomeText: '您好{name}' });
    t.is(ch.status, 201, JSON.stringify(ch.json));
    const journey = await api('POST', '/api/journeys', { storeId: null, name: 'PM2 欢迎', trigger: 'contact_added', triggerArg: null, reentry: 'always', reentryDays: null, enabled: true, goal: null, steps: [{ type: 'send', text: '欢迎{name}', marketing: false }] });
    t.is(journey.status, 201, JSON.stringify(journey.json));

    // Traffic until the reload is over (and a little after): adds and landing scans.
    const httpPids = (ps: Pm2Proc[]) => ps.filter((p) => p.name === 'siyu-http').map((p) => p.pid).sort();
    const before = httpPids(await list());
    const adds: ScanReport[] = [];
    const landing: number[] = [];
    let stop = false;
    const traffic = Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop && i < 200; i++) {
          adds.push(await emulator.customerScans(ch.json.configId, { name: `PM2客户${w}-${i}` }));
          landing.push(await phoneGet(`${url}/s/${ch.json.code}`));
        }
      }),
    );
    await must(waitFor('traffic to flow', async () => adds.length >= 8, { timeoutMs: 30_000 }));
    const reload = await pm2('reload', 'siyu-http');
    phase('reloaded');
    const afterReload = adds.length;
    await waitFor('traffic after the reload', async () => adds.length >= afterReload + 8, { timeoutMs: 30_000 }).finally(() => (stop = true));
    await traffic;
    t.is(reload.code, 0, reload.out);
    const after = httpPids(await list());
    t.is(after.length, 2);
    t.deepEqual(after.filter((pid) => before.includes(pid)), [], `both http workers replaced (${before} → ${after})`);

    const n = adds.length;
    const retried = adds.filter((a) => a.attempts.length > 1).length;
    t.log(`${n} adds and ${landing.length} landing scans during the reload; callbacks WeCom had to deliver again: ${retried}`);
    t.true(adds.every((a) => a.delivered), `every callback acknowledged:\n${logs()}`);
    t.deepEqual(landing.filter((s) => s !== 200), [], 'every landing scan answered');
    const journeyId = Number(journey.json.id);
    await waitFor(`${n} customers, their welcomes and journey touches`, async () => {
      const touched = await count(`SELECT COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId} AND status = 'sent'`);
      return (await count('SELECT COUNT(*) AS n FROM customers')) === n && emulator.welcomes.length >= n && touched === n;
    }, { timeoutMs: 60_000, everyMs: 300 }).catch(async (e: Error) => {
      const touches = (await db.raw(`SELECT status, channel, skip_reason, last_error, COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId} GROUP BY 1, 2, 3, 4`))[0];
      const unwelcomed = adds.filter((a) => !emulator.welcomes.some((w) => w.externalUserId === a.externalUserId)).map((a) => a.externalUserId);
      const events = unwelcomed.length ? (await db.raw(`SELECT kind, status, attempts, lease_owner, received_at, processed_at, last_error FROM callback_events WHERE payload LIKE ?`, [`%${unwelcomed[0]}%`]))[0] : [];
      const calls = emulator.callsTo('/cgi-bin/externalcontact/send_welcome_msg').filter((c) => c.errcode !== 0).map((c) => c.errcode);
      throw new Error(`${e.message}: customers ${await count('SELECT COUNT(*) AS n FROM customers')}, welcomes ${emulator.welcomes.length}, touches ${JSON.stringify(touches)}; without a welcome: ${unwelcomed.join(',')}; their events ${JSON.stringify(events)}; refused welcome calls ${JSON.stringify(calls)}\n${logs()}`);
    });
    t.is(await count("SELECT COUNT(*) AS n FROM callback_events WHERE status <> 'done'"), 0, 'every callback processed');
    for (const a of adds) t.is(emulator.welcomes.filter((w) => w.externalUserId === a.externalUserId).length, 1, `one welcome for ${a.externalUserId}`);
    t.is(await count(`SELECT COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId} AND channel = 'template'`), n, 'with no bot, journeys start at the WeCom mass message');
    t.is(await count('SELECT COUNT(*) AS n FROM scans'), landing.length, 'every landing scan recorded');
    t.is(await count('SELECT COUNT(*) AS n FROM outbox'), 0, 'nothing queued for a bot that does not run');
    phase('checked');
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import knexFactory from 'knex';
import { WecomEmulator } from '../../../src/sandbox/wecom/index.js';
import { createDb, migrateLatest } from '../../../src/persistence/db.js';
import { freshDatabase, freshPrefix } from '../../support/backends.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * What several app processes share in the multi-process cases: one fresh MariaDB database, one
 * Redis prefix, one WeCom (the emulator, in this test process, so it counts every welcome and
 * message across instances) and a round-robin balancer in front of the instances for WeCom's
 * callbacks. The instances run as production would: real credentials (the emulator's), no
 * sandbox, config from environment variables only.
 */
export interface World {
  emulator: WecomEmulator;
  /** knex on the shared database, for the test's own queries. */
  db: ReturnType<typeof knexFactory>;
  env: Record<string, string>;
  balancer: TcpProxy;
  adminKey: string;
}

export async function startWorld(t: ExecutionContext, redisUrl: string, extraEnv: Record<string, string> = {}): Promise<World> {
  const { mysqlUrl } = await freshDatabase(t);
  // Migrated once here: two instances migrating at once would race for knex's migration lock.
  const migrator = createDb({ mysqlUrl, sqliteFile: ':memory:' });
  await migrateLatest(migrator);
  t.teardown(() => migrator.destroy());

  const corpId = 'wwfaults00000000001';
  const contactSecret = randomBytes(16).toString('hex');
  const agentSecret = randomBytes(16).toString('hex');
  const token = randomBytes(12).toString('hex');
  const aesKey = randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(43, 'A').slice(0, 43);
  const emulator = new WecomEmulator({ corpId, secrets: [contactSecret, agentSecret], agentIds: [1000002] });
  for (const u of ['rep001', 'rep002', 'rep003']) emulator.addEmployee(u, { name: u });
  const apiBase = await emulator.listen(0, '127.0.0.1');
  const balancer = await TcpProxy.start([]);
  emulator.setCallback({ url: `http://127.0.0.1:${balancer.port}/wecom/callback`, token, encodingAesKey: aesKey, agentId: '1000002' });
  // Closed after the instances (teardowns run last-registered first).
  t.teardown(async () => {
    await emulator.close();
    await balancer.close();
  });
  const adminKey = randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    SANDBOX: 'false',
    MYSQL_URL: mysqlUrl!,
    REDIS_URL: redisUrl,
    CACHE_PREFIX: freshPrefix(),
    WECOM_CORP_ID: corpId,
    WECOM_TOKEN: token,
    WECOM_AES_KEY: aesKey,
    WECOM_CONTACT_SECRET: contactSecret,
    WECOM_AGENT_ID: '1000002',
    WECOM_AGENT_SECRET: agentSecret,
    WECOM_API_BASE: apiBase,
    ADMIN_API_KEY: adminKey,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PII_KEY: randomBytes(32).toString('hex'),
    // Journeys tick every second, at any hour, without marketing caps getting in the way.
    JOURNEY_TICK_SECONDS: '1',
    JOURNEY_QUIET_FROM: '00:00',
    JOURNEY_QUIET_TO: '00:00',
    JOURNEY_CAP_PER_DAY: '100',
    JOURNEY_CAP_PER_WEEK: '700',
    ...extraEnv,
  };
  const db = knexFactory({ client: 'mysql2', connection: { uri: mysqlUrl!, supportBigNumbers: true } as never, pool: { min: 0, max: 4 } });
  t.teardown(() => db.destroy());
  return { emulator, db, env, balancer, adminKey };
}

export interface Instance {
  url: string;
  proc: ChildProcess;
  /** The last lines the process wrote, for failure messages. */
  tail(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts `src/main/all.ts` (http + jobs) as a child process; resolves once it listens. */
export async function startInstance(t: ExecutionContext, world: World, env: Record<string, string> = {}): Promise<Instance> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main/all.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...world.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (l: string) => {
    lines.push(l.slice(0, 500));
    if (lines.length > 40) lines.shift();
  };
  createInterface({ input: proc.stderr! }).on('line', keep);
  const exited = once(proc, 'exit');
  let dead = false;
  void exited.then(() => (dead = true));
  t.teardown(async () => {
    if (dead) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start in 60 s:\n${lines.join('\n')}`)), 60_000);
    void exited.then(() => reject(new Error(`instance exited during start-up:\n${lines.join('\n')}`)));
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      keep(l);
      try {
        const j = JSON.parse(l) as { msg?: string; url?: string };
        if (j.msg === 'siyu started' && j.url) {
          clearTimeout(timer);
          resolve(j.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  return {
    url,
    proc,
    tail: () => lines.join('\n'),
    kill: async () => {
      if (dead) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** fetch against an instance with the admin key; JSON in and out. */
export async function adminCall(world: World, inst: Instance, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${inst.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${world.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** COUNT(*) of a query on the shared database (the query selects `COUNT(*) AS n`). */
export async function count(world: World, sql: string): Promise<number> {
  return Number(((await world.db.raw(sql))[0] as Array<{ n: number }>)[0]!.n);
}

/** A mall/POS pushing a paid order to one instance, signed as README describes; the HTTP status. */
async function pushOrderOnce(inst: Instance, source: { key: string; secret: string }, raw: string): Promise<{ status: number; code?: string }> {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(12).toString('hex');
  const res = await fetch(`${inst.url}/api/integrations/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-siyu-source': source.key,
      'x-siyu-timestamp': ts,
      'x-siyu-nonce': nonce,
      'x-siyu-signature': createHmac('sha256', source.secret).update(`${ts}\n${nonce}\n${raw}`).digest('hex'),
    },
    body: raw,
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: res.status, code: json.error?.code };
}

/**
 * Pushes an order the way a mall's POS is told to (README): a 503 carries Retry-After and means
 * "sign and send again", so it does, up to 4 tries. Every 503 met is reported to `busy` with its
 * error code, so a suite can show how often that happened; the final status is returned.
 */
export async function pushOrder(inst: Instance, source: { key: string; secret: string }, body: object, busy?: string[]): Promise<number> {
  const raw = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    const r = await pushOrderOnce(inst, source, raw);
    if (r.status !== 503 || attempt >= 4) return r.status;
    busy?.push(r.code ?? 'unknown');
    await sleep(200 * attempt);
  }
}

/** Creates an enabled, store-wide, always re-entered journey through the admin API; its id. */
export async function createJourney(world: World, inst: Instance, name: string, trigger: string, steps: object[]): Promise<number> {
  const r = await adminCall(world, inst, 'POST', '/api/journeys', { storeId: null, name, trigger, triggerArg: null, reentry: 'always', reentryDays: null, enabled: true, goal: null, steps });
  if (r.status !== 201) throw new Error(`journey not created: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id as number;
}

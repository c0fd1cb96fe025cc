/**
 * Bot scenarios, in the bench process itself (wechaty-puppet-mock lives in-process):
 *  - inbound: customers' 1:1 messages through the mock puppet → adapter → dedupe → customer →
 *    rule match → timeline + outbox row. Counted until every message has its outbox row.
 *  - drain: a backlog of outbox rows sent through the mock puppet at the configured rate; the
 *    gaps between sends are measured against the configured spacing.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { log as wechatyLog } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { loadConfig } from '../src/config/config.js';
import { startBotRole } from '../src/main/bot-role.js';
import { createSiyu } from '../src/main/compose.js';
import { createLogger } from '../src/shared/logger.js';
import { percentile, type Result } from './lib.js';

wechatyLog.level('silent');

export interface BotBenchOptions {
  db: { mysqlUrl?: string; sqliteFile: string };
  redisUrl?: string;
  messages: number;
  contacts: number;
}

async function world(o: BotBenchOptions, bot: Record<string, unknown>) {
  const config = loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: {
      db: { sqliteFile: o.db.sqliteFile, ...(o.db.mysqlUrl ? { mysqlUrl: o.db.mysqlUrl } : {}), poolMax: 10 },
      cache: { prefix: `siyu:bench:${randomBytes(4).toString('hex')}:`, ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}) },
      bot,
    },
  });
  const siyu = await createSiyu(config, { migrate: true, log: createLogger({ level: 'silent' }) });
  const mocker = new mock.Mocker();
  const role = await startBotRole(siyu, { puppet: new PuppetMock({ mocker }), drainPollMs: 20 });
  const me = mocker.createContact({ name: '思语助手' });
  const loggedIn = new Promise<void>((r) => role.runtime.bot.once('login', () => r()));
  mocker.login(me);
  await loggedIn;
  return { siyu, role, mocker, me, close: async () => (await role.close(), await siyu.close()) };
}

export async function botInbound(o: BotBenchOptions): Promise<Result> {
  // The drain is slowed to a crawl so the scenario measures the inbound half only.
  const w = await world(o, { ratePerMinute: 1, jitterMs: 0 });
  try {
    const api = w.siyu;
    await api.db('bot_rules').insert([
      { name: '营业时间', scope: 'dm', match_kind: 'contains', pattern: '营业时间', reply: '{name}您好，我们每天 10:00-22:00 营业', priority: 0, action: 'reply', cooldown_sec: 0, enabled: true, created_at: 1, updated_at: 1 },
      { name: '地址', scope: 'dm', match_kind: 'regex', pattern: '(地址|在哪)', reply: '我们在人民路 1 号', priority: 0, action: 'reply', cooldown_sec: 0, enabled: true, created_at: 1, updated_at: 1 },
    ]);
    await api.rules.refresh();
    const contacts = Array.from({ length: o.contacts }, (_, i) => w.mocker.createContact({ name: `客户${i}` }));
    // Warm-up: every contact writes once (their customer rows are created here, not measured).
    for (const c of contacts) c.say('你好，营业时间？').to(w.me);
    await until(async () => (await count(api, 'outbox')) >= contacts.length, 120_000);
    const before = await count(api, 'outbox');

    const texts = ['请问营业时间？', '你们的地址在哪', '营业时间到几点'];
    const started = Date.now();
    const sentAt: number[] = [];
    for (let i = 0; i < o.messages; i++) {
      contacts[i % contacts.length]!.say(texts[i % texts.length]!).to(w.me);
      sentAt.push(Date.now());
      // Yield now and then, as a socket would: the puppet does not deliver 10k messages in one tick.
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    const lat: number[] = [];
    let seen = before;
    await until(async () => {
      const n = await count(api, 'outbox');
      for (let k = seen; k < n; k++) lat.push(Date.now() - (sentAt[k - before] ?? started));
      seen = n;
      return n - before >= o.messages;
    }, 300_000, 10);
    const seconds = (Date.now() - started) / 1000;
    const rps = o.messages / seconds;
    lat.sort((a, b) => a - b);
    return {
      scenario: `bot inbound 1:1 message → rule → outbox row (${o.messages} messages, ${o.contacts} customers)`,
      rps,
      unit: 'messages/s',
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      non2xx: 0,
      errors: Number((await api.metrics.registry.getSingleMetricAsString('siyu_bot_inbound_messages_total')).match(/outcome="error"} (\d+)/)?.[1] ?? 0),
      extra: { 'messages/s': rps, 'target messages/s': 2000, 'latency note': 'ms from say() to the outbox row being visible (polled every 10 ms)' },
    };
  } finally {
    await w.close();
  }
}

export async function outboxDrain(o: BotBenchOptions & { ratePerMinute: number; jitterMs: number; seconds: number }): Promise<Result> {
  const w = await world(o, { ratePerMinute: o.ratePerMinute, jitterMs: o.jitterMs });
  try {
    const c = w.mocker.createContact({ name: '客户' });
    const times: number[] = [];
    (c as unknown as EventEmitter).on('message', (m: { talker(): { id: string } }) => void (m.talker().id === w.me.id && times.push(Date.now())));
    const backlog = Math.ceil((o.ratePerMinute / 60) * o.seconds * 3);
    await w.siyu.bot.outbox.enqueue(Array.from({ length: backlog }, (_, i) => ({ account: w.siyu.config.bot.account, to: { kind: 'dm' as const, contactId: c.id }, text: `消息${i}`, purpose: 'system' as const })));
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const spacing = 60_000 / o.ratePerMinute;
    const perMinute = times.length > 1 ? ((times.length - 1) / ((times[times.length - 1]! - times[0]!) / 60_000)) : 0;
    gaps.sort((a, b) => a - b);
    return {
      scenario: `outbox drain at ${o.ratePerMinute}/min, jitter ≤ ${o.jitterMs} ms (${o.seconds} s, backlog ${backlog})`,
      rps: times.length / o.seconds,
      unit: 'messages/s',
      p50: percentile(gaps, 50),
      p99: percentile(gaps, 99),
      non2xx: 0,
      errors: 0,
      extra: {
        sent: times.length,
        'configured spacing ms': spacing,
        'smallest gap ms': gaps[0] ?? NaN,
        'gaps below spacing (−2 ms timer slack)': gaps.filter((g) => g < spacing - 2).length,
        'observed rate /min': perMinute,
        'note': 'p50/p99 columns are gaps between sends (ms), not latency',
      },
    };
  } finally {
    await w.close();
  }
}

async function count(siyu: { db: (t: string) => any }, table: string): Promise<number> {
  const r = await siyu.db(table).count({ n: '*' }).first();
  return Number(r.n);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('bench: condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

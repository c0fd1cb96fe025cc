import { Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { OutboxDrainer, type DrainOutcome, type OutboxDrainerDeps } from '../../src/domain/outbox/outbox-drainer.js';
import { OutboxService } from '../../src/domain/outbox/outbox.service.js';
import type { ConversationRef, OutboundPort, OutboxRequest } from '../../src/domain/outbox/outbox.types.js';
import { ManualClock } from '../../src/shared/clock.js';
import { AppError, isAppError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { createDb, migrateLatest, type Db } from '../../src/persistence/db.js';
import { SqlCustomerOptOutRepo, SqlOutboxRepo } from '../../src/persistence/outbox.repo.js';
import { backendName, freshDatabase } from '../support/backends.js';

const b = `[${backendName}]`;
const ACCOUNT = 'bot-1';

/** A knex instance (a "process") on the test's database; `conn` opens another one on the same database. */
function connect(t: ExecutionContext, conn: { mysqlUrl?: string; sqliteFile: string }): Db {
  const db = createDb(conn);
  t.teardown(() => db.destroy());
  return db;
}

async function customer(db: Db, optedOut: boolean, mergedInto: number | null = null): Promise<number> {
  const [id] = await db('customers').insert({ name: '', stage: 'lead', opted_out: optedOut, merged_into: mergedInto, created_at: 1, updated_at: 1 });
  return Number(id);
}

interface Call {
  at: number;
  to: ConversationRef;
  text: string;
  mentionIds?: string[];
  removed?: string;
}

/** The boundary: records every call with the clock's time; `fail` may script an error per call. */
class FakePort implements OutboundPort {
  calls: Call[] = [];
  fail: (call: Call, n: number) => Error | undefined = () => undefined;
  gate: Promise<void> | undefined;
  constructor(private readonly clock: ManualClock) {}
  async sendText(to: ConversationRef, text: string, o?: { mentionIds?: string[] }): Promise<void> {
    await this.record({ at: this.clock.now(), to, text, mentionIds: o?.mentionIds });
  }
  async removeMember(roomId: string, contactId: string): Promise<void> {
    await this.record({ at: this.clock.now(), to: { kind: 'room', roomId }, text: '', removed: contactId });
  }
  private async record(c: Call): Promise<void> {
    this.calls.push(c);
    const err = this.fail(c, this.calls.length);
    await this.gate;
    // Real ports take time; let other work (another drainer) interleave.
    await new Promise((r) => setImmediate(r));
    if (err) throw err;
  }
}

const botError = (code: string) => new AppError(code, '机器人发送失败');

/** A seeded PRNG so the jitter is random but the test is repeatable. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function setup(t: ExecutionContext, o: Partial<OutboxDrainerDeps> = {}) {
  const conn = await freshDatabase(t);
  const db = connect(t, conn);
  await migrateLatest(db);
  const clock = new ManualClock();
  const port = new FakePort(clock);
  const repo = new SqlOutboxRepo(db);
  const optOut = new SqlCustomerOptOutRepo(db);
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _enc, cb) => (logs.push(String(chunk)), cb()) }) });
  const service = new OutboxService({ repo, optOut, clock });
  const outcomes: DrainOutcome[] = [];
  const deps: OutboxDrainerDeps = {
    account: ACCOUNT,
    repo,
    optOut,
    port,
    clock,
    sleep: async (ms) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
    },
    random: mulberry32(7),
    log,
    ratePerMinute: 20,
    jitterMs: 0,
    maxAttempts: 4,
    backoffBaseMs: 1000,
    backoffMaxMs: 3000,
    breakerMs: 10 * 60_000,
    leaseMs: 60_000,
    owner: 'drainer-a',
    onResult: (r) => outcomes.push(r),
    ...o,
  };
  const drainer = new OutboxDrainer(deps);
  t.teardown(() => drainer.stop());
  return { conn, db, clock, port, repo, optOut, service, drainer, deps, logs, outcomes };
}

const say = (text: string, extra: Partial<OutboxRequest> = {}): OutboxRequest => ({ account: ACCOUNT, to: { kind: 'dm', contactId: 'wxid_c1' }, text, purpose: 'reply', ...extra });

async function drainAll(d: OutboxDrainer): Promise<number> {
  let total = 0;
  for (let n = await d.drainOnce(); n > 0; n = await d.drainOnce()) total += n;
  return total;
}

const gaps = (calls: Call[]) => calls.slice(1).map((c, i) => c.at - calls[i]!.at);

test(`${b} an invalid request in a batch is refused with OUTBOX.INVALID and nothing is written`, async (t) => {
  const { db, service } = await setup(t);
  const bad: Array<[string, OutboxRequest]> = [
    ['empty text', say('  ')],
    ['text too long', say('字'.repeat(2001))],
    ['empty account', say('你好', { account: '' })],
    ['remove outside a room', say('', { action: 'remove', mentionIds: ['wxid_x'] })],
    ['remove without a member', say('', { action: 'remove', to: { kind: 'room', roomId: 'r1@chatroom' } })],
    ['remove with two members', say('', { action: 'remove', to: { kind: 'room', roomId: 'r1@chatroom' }, mentionIds: ['a', 'b'] })],
  ];
  for (const [why, req] of bad) {
    const err = await t.throwsAsync(service.enqueue([say('这条本身没问题'), req]), undefined, why);
    t.true(isAppError(err), why);
    if (isAppError(err)) {
      t.is(err.code, 'OUTBOX.INVALID', why);
      t.is(err.status, 400, why);
      t.regex(err.message, /[\u4e00-\u9fff]/, why);
      t.deepEqual((err.details as Array<{ index: number }>).map((d) => d.index), [1], why);
    }
  }
  t.is(Number((await db('outbox').count({ n: '*' }).first())!.n), 0);
  const ok = await service.enqueue([say('字'.repeat(2000)), say('', { action: 'remove', to: { kind: 'room', roomId: 'r1@chatroom' }, mentionIds: ['wxid_x'] })]);
  t.is(ok.ids.length, 2, 'the limits themselves are accepted');
});

test(`${b} enqueueing twice with one dedupe key stores one row, also within one call`, async (t) => {
  const { db, service } = await setup(t);
  const first = await service.enqueue(say('欢迎', { dedupeKey: 'welcome:1' }));
  const again = await service.enqueue([say('欢迎', { dedupeKey: 'welcome:1' }), say('另一条', { dedupeKey: 'welcome:2' }), say('欢迎', { dedupeKey: 'welcome:2' })]);
  t.is(again.ids[0], first.ids[0]);
  t.is(again.ids[1], again.ids[2]);
  t.not(again.ids[1], first.ids[0]);
  const plain = await service.enqueue([say('无键一'), say('无键二')]);
  t.not(plain.ids[0], plain.ids[1]);
  t.is(Number((await db('outbox').count({ n: '*' }).first())!.n), 4);
});

test(`${b} an enqueue inside a transaction that rolls back leaves nothing`, async (t) => {
  const { db, service } = await setup(t);
  await t.throwsAsync(
    db.transaction(async (trx) => {
      const r = await service.enqueue(say('事务内'), { repo: new SqlOutboxRepo(trx) });
      t.is(r.ids.length, 1);
      throw new Error('roll back');
    }),
    { message: 'roll back' },
  );
  t.is(Number((await db('outbox').count({ n: '*' }).first())!.n), 0);
});

test(`${b} marketing for an opted-out customer is skipped at enqueue; other purposes still go`, async (t) => {
  const { db, service } = await setup(t);
  const out = await customer(db, true);
  const merged = await customer(db, false, out);
  const ok = await customer(db, false);
  const r = await service.enqueue([
    say('优惠', { purpose: 'marketing', customerId: out }),
    say('优惠', { purpose: 'marketing', customerId: ok }),
    say('您好，已为您查询', { purpose: 'reply', customerId: out }),
    say('优惠', { purpose: 'marketing', customerId: merged }),
  ]);
  t.deepEqual(r.skipped, [
    { index: 0, customerId: out, reason: 'opted_out' },
    { index: 3, customerId: merged, reason: 'opted_out' },
  ]);
  t.is(r.ids.length, 2);
  const rows = await db('outbox').orderBy('id');
  t.deepEqual(rows.map((x) => [Number(x.customer_id), x.purpose]), [[ok, 'marketing'], [out, 'reply']]);
});

test(`${b} marketing is cancelled at send time when the customer opted out after enqueueing`, async (t) => {
  const { db, service, drainer, port, repo } = await setup(t);
  const c = await customer(db, false);
  const { ids } = await service.enqueue([say('优惠', { purpose: 'marketing', customerId: c }), say('回复', { purpose: 'reply', customerId: c })]);
  await db('customers').where({ id: c }).update({ opted_out: true });
  t.is(await drainAll(drainer), 2);
  const m = await repo.findMessage(ids[0]!);
  t.is(m?.status, 'cancelled');
  t.is(m?.lastError, 'opted_out');
  t.deepEqual(port.calls.map((x) => x.text), ['回复']);
});

test(`${b} fifty messages with jitter are never closer than the configured spacing`, async (t) => {
  const { service, drainer, port, clock } = await setup(t, { ratePerMinute: 30, jitterMs: 700 });
  await service.enqueue(Array.from({ length: 50 }, (_, i) => say(`消息${i}`)));
  const started = clock.now();
  t.is(await drainAll(drainer), 50);
  const g = gaps(port.calls);
  t.is(port.calls.length, 50);
  t.is(port.calls[0]!.at, started, 'nothing sent before: the first goes at once');
  t.true(g.every((x) => x >= 2000 && x <= 2700), `gaps ${g.join(',')}`);
  t.true(new Set(g).size > 10, 'the jitter varies the gaps');
  t.true(Math.max(...g) > 2500, 'the jitter spans its range');
});

test(`${b} the rate is configurable: 120 a minute without jitter sends exactly every 500 ms`, async (t) => {
  const { service, drainer, port } = await setup(t, { ratePerMinute: 120 });
  await service.enqueue(Array.from({ length: 12 }, (_, i) => say(`消息${i}`)));
  await drainAll(drainer);
  t.deepEqual(gaps(port.calls), Array(11).fill(500));
});

test(`${b} pacing holds across drain calls, a restarted loop and a new drainer for the account`, async (t) => {
  const { service, drainer, port, clock, deps } = await setup(t, { ratePerMinute: 60, jitterMs: 300 });
  await service.enqueue(Array.from({ length: 3 }, (_, i) => say(`一${i}`)));
  await drainAll(drainer);
  await service.enqueue(Array.from({ length: 3 }, (_, i) => say(`二${i}`)));
  await drainAll(drainer);
  drainer.start();
  await service.enqueue(Array.from({ length: 3 }, (_, i) => say(`三${i}`)));
  while (port.calls.length < 9) await new Promise((r) => setTimeout(r, 5));
  await drainer.stop();
  await service.enqueue(Array.from({ length: 3 }, (_, i) => say(`四${i}`)));
  drainer.start();
  while (port.calls.length < 12) await new Promise((r) => setTimeout(r, 5));
  await drainer.stop();
  // A process restart: a new drainer knows the last send only from the database.
  await service.enqueue(Array.from({ length: 2 }, (_, i) => say(`五${i}`)));
  const reborn = new OutboxDrainer({ ...deps, owner: 'drainer-b' });
  await drainAll(reborn);
  t.is(port.calls.length, 14);
  const g = gaps(port.calls);
  t.true(g.every((x) => x >= 1000), `gaps ${g.join(',')}`);
  t.true(clock.now() > port.calls[0]!.at);
});

test(`${b} a failing send is retried with backoff, then failed with its code and never its text`, async (t) => {
  const { service, drainer, port, repo, clock, logs, outcomes } = await setup(t);
  port.fail = () => Object.assign(new Error('socket hang up while sending 私密内容'), { code: 'ECONNRESET' });
  const { ids } = await service.enqueue(say('私密内容'));
  const id = ids[0]!;
  const dues: number[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    t.is(await drainer.drainOnce(), 1, `attempt ${attempt}`);
    const m = (await repo.findMessage(id))!;
    t.is(m.attempts, attempt);
    if (attempt < 4) {
      t.is(m.status, 'pending');
      dues.push(m.dueAt - clock.now());
      t.is(await drainer.drainOnce(), 0, 'not before its due time');
      clock.set(m.dueAt);
    } else {
      t.is(m.status, 'failed');
      t.is(m.lastError, 'ECONNRESET');
    }
  }
  t.deepEqual(dues, [1000, 2000, 3000]);
  t.deepEqual(outcomes, ['retry', 'retry', 'retry', 'failed']);
  t.is(port.calls.length, 4);
  t.is(await drainer.drainOnce(), 0, 'a failed row is not tried again');
  const all = logs.join('');
  t.true(all.includes(`"outboxId":${id}`));
  t.false(all.includes('私密内容'), 'message text never logged');
});

test(`${b} an unknown target fails at once`, async (t) => {
  const { service, drainer, port, repo } = await setup(t);
  port.fail = () => botError('BOT.NOT_FOUND');
  const { ids } = await service.enqueue(say('你好'));
  t.is(await drainer.drainOnce(), 1);
  const m = (await repo.findMessage(ids[0]!))!;
  t.is(m.status, 'failed');
  t.is(m.attempts, 1);
  t.is(m.lastError, 'BOT.NOT_FOUND');
});

test(`${b} the vendor's rate limit opens the breaker: nothing is sent until it closes`, async (t) => {
  const breakerMs = 10 * 60_000;
  const { service, drainer, port, repo, clock } = await setup(t, { ratePerMinute: 60, breakerMs });
  port.fail = (_c, n) => (n === 2 ? botError('BOT.RATE_LIMITED') : undefined);
  const { ids } = await service.enqueue(Array.from({ length: 5 }, (_, i) => say(`消息${i}`)));
  t.is(await drainer.drainOnce(), 2, 'the batch stops at the refusal');
  const limitedAt = port.calls[1]!.at;
  const m = (await repo.findMessage(ids[1]!))!;
  t.is(m.status, 'pending');
  t.is(m.attempts, 1);
  t.is(m.dueAt, limitedAt + breakerMs);
  t.is(m.lastError, 'BOT.RATE_LIMITED');
  t.is((await repo.countByStatus(ACCOUNT)).counts.sending, 0, 'the rest of the batch is given back');
  t.is(await drainer.drainOnce(), 0);
  clock.set(limitedAt + breakerMs - 1);
  t.is(await drainer.drainOnce(), 0, 'still open a millisecond before');
  t.is(port.calls.length, 2);
  clock.set(limitedAt + breakerMs);
  t.is(await drainAll(drainer), 4);
  t.is(port.calls.length, 6);
  t.true(port.calls.slice(2).every((c) => c.at >= limitedAt + breakerMs));
  t.deepEqual((await repo.countByStatus(ACCOUNT)).counts, { pending: 0, sending: 0, sent: 5, failed: 0, cancelled: 0 });
});

test(`${b} two drainers with different owners on one account never send a row twice`, async (t) => {
  const { conn, service, port, deps, repo, drainer } = await setup(t, { ratePerMinute: 60_000 });
  // The second drainer is another process: its own connection (pool) to the same database.
  const other = new OutboxDrainer({ ...deps, owner: 'drainer-b', repo: new SqlOutboxRepo(connect(t, conn)) });
  await service.enqueue(Array.from({ length: 60 }, (_, i) => say(`并发${i}`)));
  // A drainer that loses every row of a claim to the other gets 0 and polls again, as its loop would.
  const untilEmpty = async (d: OutboxDrainer) => {
    let total = 0;
    for (let left = 60; left > 0; left = (await repo.countByStatus(ACCOUNT)).counts.pending) {
      total += await d.drainOnce();
      await new Promise((r) => setImmediate(r));
    }
    return total;
  };
  const [byA, byB] = await Promise.all([untilEmpty(drainer), untilEmpty(other)]);
  const texts = port.calls.map((c) => c.text);
  t.is(texts.length, 60);
  t.is(new Set(texts).size, 60, 'no row sent twice');
  t.true(byA > 0 && byB > 0, `both drained (${byA}/${byB})`);
  t.is((await repo.countByStatus(ACCOUNT)).counts.sent, 60);
});

test(`${b} a row left sending by a dead process is taken over once its lease runs out`, async (t) => {
  const { service, drainer, port, repo, clock } = await setup(t);
  const { ids } = await service.enqueue(say('被遗弃'));
  const now = clock.now();
  const claimed = await repo.claimDue(ACCOUNT, 'dead-process', now, now + 30_000, 5);
  t.deepEqual(claimed.map((m) => m.id), ids);
  t.is(await drainer.drainOnce(), 0, 'not while the lease is held');
  clock.set(now + 30_001);
  t.is(await drainer.drainOnce(), 1);
  const m = (await repo.findMessage(ids[0]!))!;
  t.is(m.status, 'sent');
  t.is(m.attempts, 2, "the dead holder's attempt counts");
  t.is(port.calls.length, 1);
  t.false(await repo.markSent(ids[0]!, 'dead-process', clock.now()), 'the old holder can no longer record an outcome');
});

test(`${b} stop waits for the send in flight and gives back the rest of the batch`, async (t) => {
  const { service, drainer, port, repo } = await setup(t);
  let open!: () => void;
  port.gate = new Promise<void>((r) => (open = r));
  const { ids } = await service.enqueue([say('一'), say('二'), say('三')]);
  drainer.start();
  while (port.calls.length < 1) await new Promise((r) => setTimeout(r, 2));
  let stopped = false;
  const stopping = drainer.stop().then(() => (stopped = true));
  await new Promise((r) => setTimeout(r, 20));
  t.false(stopped, 'still waiting for the send');
  open();
  await stopping;
  t.is(port.calls.length, 1);
  t.is((await repo.findMessage(ids[0]!))!.status, 'sent');
  t.deepEqual((await repo.countByStatus(ACCOUNT)).counts, { pending: 2, sending: 0, sent: 1, failed: 0, cancelled: 0 });
});


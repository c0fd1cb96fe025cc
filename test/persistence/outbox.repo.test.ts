import test, { type ExecutionContext } from 'ava';
import type { NewOutboxMessage } from '../../src/domain/outbox/outbox.ports.js';
import { createDb, migrateLatest, type Db } from '../../src/persistence/db.js';
import { SqlOutboxRepo } from '../../src/persistence/outbox.repo.js';
import { backendName, freshDatabase } from '../support/backends.js';

const b = `[${backendName}]`;
const T0 = Date.UTC(2026, 0, 1);

const msg = (i: number, o: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  account: 'bot-1',
  dedupeKey: null,
  action: 'say',
  to: { kind: 'room', roomId: 'r1@chatroom' },
  text: `第${i}条`,
  mentionIds: ['wxid_a'],
  customerId: 7,
  purpose: 'system',
  dueAt: T0 + i,
  createdAt: T0 + i,
  ...o,
});

/** Two knex instances on one fresh database: two processes. */
async function twoProcesses(t: ExecutionContext): Promise<[Db, Db]> {
  const conn = await freshDatabase(t);
  const dbs = [createDb(conn), createDb(conn)] as [Db, Db];
  t.teardown(() => Promise.all(dbs.map((d) => d.destroy())));
  await migrateLatest(dbs[0]);
  return dbs;
}

test(`${b} racing claims from two owners hand each row to exactly one of them`, async (t) => {
  const [a, c] = await twoProcesses(t);
  const sa = new SqlOutboxRepo(a);
  const sc = new SqlOutboxRepo(c);
  await sa.insertMessages(Array.from({ length: 40 }, (_, i) => msg(i)));
  const now = T0 + 1000;
  const seen: number[] = [];
  for (let round = 0; round < 20; round++) {
    const [x, y] = await Promise.all([sa.claimDue('bot-1', 'a', now, now + 60_000, 4), sc.claimDue('bot-1', 'c', now, now + 60_000, 4)]);
    seen.push(...x.map((m) => m.id), ...y.map((m) => m.id));
  }
  t.is(seen.length, 40);
  t.is(new Set(seen).size, 40, 'no row claimed twice');
  t.is((await sa.countByStatus('bot-1')).counts.sending, 40);
});

test(`${b} rows round-trip, are claimed oldest due first, and only the holder records outcomes`, async (t) => {
  const [db] = await twoProcesses(t);
  const s = new SqlOutboxRepo(db);
  const [late, early, other, future] = await s.insertMessages([msg(5), msg(1), msg(2, { account: 'bot-2' }), msg(9, { dueAt: T0 + 10_000 })]);
  const claimed = await s.claimDue('bot-1', 'me', T0 + 100, T0 + 100.4, 10);
  t.deepEqual(claimed.map((m) => m.id), [early, late], 'other accounts and future rows are not claimed');
  t.like(claimed[0], { to: { kind: 'room', roomId: 'r1@chatroom' }, mentionIds: ['wxid_a'], text: '第1条', status: 'sending', customerId: 7, purpose: 'system' });
  t.false(await s.markSent(early!, 'someone-else', T0 + 200));
  t.true(await s.markSent(early!, 'me', T0 + 200));
  t.true(await s.reschedule(late!, 'me', { attempts: 1, dueAt: T0 + 5000, lastError: 'X' }));
  t.false(await s.cancel(future!, 'operator', 'me'), 'a pending row is not "held"');
  t.true(await s.cancel(future!, 'operator'));
  t.false(await s.cancel(early!, 'operator'), 'a sent row cannot be cancelled');
  const stats = await s.countByStatus('bot-1');
  t.deepEqual(stats, { counts: { pending: 1, sending: 0, sent: 1, failed: 0, cancelled: 1 }, oldestPendingDueAt: T0 + 5000 });
  t.is(await s.lastSentAt('bot-1'), T0 + 200);
  t.is(await s.lastSentAt('bot-2'), null);
  t.deepEqual((await s.listByCustomer(7, 10)).map((m) => m.id), [future, late, other, early]);
  t.is((await s.findMessage(other!))?.account, 'bot-2');
});

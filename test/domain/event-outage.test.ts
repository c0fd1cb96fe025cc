import test from 'ava';
import type { AcquisitionService } from '../../src/domain/acquisition/acquisition.service.js';
import type { ContactEvent } from '../../src/domain/acquisition/contact-event.js';
import { EventProcessor } from '../../src/domain/acquisition/event-processor.js';
import { ManualClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqlCallbackEventRepo } from '../../src/persistence/callback-event.repo.js';
import { createDb, migrateLatest } from '../../src/persistence/db.js';
import { isUnavailable } from '../../src/shared/unavailable.js';
import { backendName, freshDatabase } from '../support/backends.js';

const b = `[${backendName}]`;
const MIN = 60_000;

/**
 * The processor over the real event table, with the one collaborator that reaches dependencies
 * (the acquisition service) answering with the errors a dependency outage produces.
 */
async function world(t: import('ava').ExecutionContext, fail: () => Error | undefined) {
  const db = createDb(await freshDatabase(t));
  t.teardown(() => db.destroy());
  await migrateLatest(db);
  const clock = new ManualClock(Date.parse('2026-11-25T02:00:00Z'));
  const queue = new SqlCallbackEventRepo(db);
  let calls = 0;
  const acquisition = {
    handle: async () => {
      calls++;
      const e = fail();
      if (e) throw e;
      return { customerId: null, welcome: 'none' };
    },
  } as unknown as AcquisitionService;
  const processor = new EventProcessor({
    queue,
    acquisition,
    decode: (f) => ({ changeType: 'del_follow_user', userId: 'rep001', externalUserId: String(f.ExternalUserID), createTime: 0 }) as ContactEvent,
    clock,
    log: createLogger({ level: 'silent' }),
    isTransient: isUnavailable,
  });
  await queue.insertEvents([{ dedupeKey: 'k1', kind: 'del_follow_user', fields: { ExternalUserID: 'wmOutage01' }, receivedAt: clock.now() }], 'gone', clock.now() - 1);
  const row = () => db('callback_events').first();
  /** Sweeps every `everyMs` for `forMs`, as the jobs role does. */
  const runFor = async (forMs: number, everyMs = 5 * MIN) => {
    for (let at = 0; at < forMs; at += everyMs) {
      await processor.sweep();
      clock.advance(everyMs);
    }
  };
  return { processor, clock, row, runFor, calls: () => calls };
}

test(`${b} an outage of hours (WeCom unreachable, then the database refusing) is waited out: the event is done once it is over`, async (t) => {
  let down: Error | undefined = new AppError('WECOM.UNREACHABLE', '企业微信暂时无法连接，请稍后再试', { status: 503, transient: true });
  const w = await world(t, () => down);
  await w.runFor(90 * MIN);
  down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
  await w.runFor(90 * MIN);
  let r = await w.row();
  t.is(r.status, 'pending', 'three hours of outage and still waiting, not failed');
  t.true(Number(r.attempts) > 8, `attempts: ${r.attempts}`);
  t.regex(r.last_error, /ECONNREFUSED/);
  down = undefined;
  await w.runFor(10 * MIN);
  r = await w.row();
  t.is(r.status, 'done');
});

test(`${b} during an outage the retries slow to one every 5 minutes`, async (t) => {
  const w = await world(t, () => new AppError('WECOM.RATE_LIMITED', '企业微信调用过于频繁，请稍后再试', { status: 503, transient: true }));
  await w.runFor(60 * MIN, 30_000);
  const early = w.calls();
  await w.runFor(60 * MIN, 30_000);
  t.is(w.calls() - early, 12, 'an hour at the 5-minute ceiling');
});

test(`${b} an outage longer than the budget (24 h) leaves a visible failed row`, async (t) => {
  const w = await world(t, () => new AppError('WECOM.UNREACHABLE', '企业微信暂时无法连接，请稍后再试', { status: 503, transient: true }));
  await w.runFor(25 * 60 * MIN, 10 * MIN);
  const r = await w.row();
  t.is(r.status, 'failed');
});

test(`${b} an error that is not an outage (a bug, bad data) still fails after 8 attempts`, async (t) => {
  const w = await world(t, () => new TypeError("Cannot read properties of undefined (reading 'id')"));
  await w.runFor(60 * MIN, MIN);
  const r = await w.row();
  t.is(r.status, 'failed');
  // The first of the 8 attempts was the accepting process's, which died before finishing it.
  t.is(w.calls(), 7);
});

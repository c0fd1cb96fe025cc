import test from 'ava';
import { DAY_MS } from '../../src/domain/segment/rfm.js';
import type { RfmRepo } from '../../src/domain/segment/segment.ports.js';
import { SegmentService } from '../../src/domain/segment/segment.service.js';
import { runRfmNightly } from '../../src/jobs/rfm-nightly.job.js';
import { dbClient, type Db } from '../../src/persistence/db.js';
import { SqlReactivationRepo } from '../../src/persistence/reactivation.repo.js';
import { SqlRfmRepo } from '../../src/persistence/rfm.repo.js';
import { ManualClock } from '../../src/shared/clock.js';
import { backendName } from '../support/backends.js';
import { LegacyRfmRepo } from '../support/rfm-legacy.js';
import { NOW, addCustomers, seeded, segmentDb, type TestCustomer } from '../support/segments.js';

// The nightly RFM writes only what changed. What it leaves behind must be exactly what the old
// full rewrite (test/support/rfm-legacy.ts) left for the same data, night after night.

const b = `[${backendName}]`;
const night = (rfm: RfmRepo, now: number, storesPerBatch = 1) => runRfmNightly({ now, rfm, clock: new ManualClock(now), storesPerBatch });

/** 240 customers over 3 stores with many ties (one order is common, spend in steps). */
function population(rng: () => number, from = 1, n = 240): TestCustomer[] {
  return Array.from({ length: n }, (_, i) => ({
    id: from + i,
    storeId: 1 + Math.floor(rng() * 3),
    lastPurchaseAt: NOW - Math.floor(rng() * 300 * DAY_MS),
    orderCount: 1 + Math.floor(rng() * rng() * 6),
    totalSpentFen: Math.floor(rng() * 40) * 1000,
  }));
}

/** A day of business: purchases, merges, erasures, refunds to no order, store moves, new customers. */
async function aDay(db: Db, seed: number, at: number, newFrom: number): Promise<void> {
  const rng = seeded(seed);
  const pick = () => 1 + Math.floor(rng() * 240);
  for (let i = 0; i < 20; i++) {
    const id = pick();
    await db('customers').where('id', id).update({ last_purchase_at: at - Math.floor(rng() * 20) * 3600_000, order_count: db.raw('order_count + 1'), total_spent_fen: db.raw('total_spent_fen + ?', [Math.floor(rng() * 30) * 1000]) });
  }
  await db('customers').whereIn('id', [pick(), pick()]).update({ merged_into: 1 });
  await db('customers').where('id', pick()).update({ erased_at: at });
  await db('customers').where('id', pick()).update({ order_count: 0, total_spent_fen: 0, last_purchase_at: null });
  for (const id of [pick(), pick(), pick(), pick()]) await db('customers').where('id', id).update({ store_id: 1 + Math.floor(rng() * 3) });
  await addCustomers(db, population(rng, newFrom, 8).map((c) => ({ ...c, lastPurchaseAt: at - Math.floor(rng() * 30) * DAY_MS })));
}

async function scores(db: Db) {
  return (await db('customer_rfm').orderBy('customer_id').select('customer_id', 'store_id', 'r', 'f', 'm', 'segment')).map((r) => `${r.customer_id}@${r.store_id} ${r.r}${r.f}${r.m} ${r.segment}`);
}
async function history(db: Db) {
  return (await db('rfm_history').orderBy(['run_id', 'customer_id']).select('run_id', 'customer_id', 'store_id', 'from_segment', 'to_segment')).map(
    (h) => `${h.run_id}:${h.customer_id}@${h.store_id} ${h.from_segment}>${h.to_segment}`,
  );
}
/** What the readers answer: distribution per store, movement between the runs, the stored run counts. */
async function reports(db: Db, runIds: number[]) {
  const svc = new SegmentService({ rfm: new SqlRfmRepo(db), reactivation: new SqlReactivationRepo(db) });
  const moves = [];
  for (let i = 1; i < runIds.length; i++) moves.push(await svc.movement({ fromRun: runIds[0]!, toRun: runIds[i]! }), await svc.movement({ fromRun: runIds[i - 1]!, toRun: runIds[i]!, storeId: 2 }));
  const runs = await db('rfm_runs').orderBy('id').select('customers', 'segment_counts');
  return { dist: await svc.distribution(), moves, runs: runs.map((r) => [r.customers, JSON.parse(r.segment_counts)]) };
}

test(`${b} four nights of business: scores, segments, history and reports equal the old full rewrite`, async (t) => {
  const [oldDb, newDb] = [await segmentDb(t, [1, 2, 3]), await segmentDb(t, [1, 2, 3])];
  for (const db of [oldDb, newDb]) await addCustomers(db, population(seeded(7)));
  const nights = [NOW, NOW + DAY_MS, NOW + 2 * DAY_MS + 7 * 3600_000, NOW + 5 * DAY_MS];
  const runIds: number[] = [];
  for (const [i, now] of nights.entries()) {
    if (i >= 2) for (const db of [oldDb, newDb]) await aDay(db, 100 + i, now - 3600_000, 1000 + 10 * i);
    const was = await night(new LegacyRfmRepo(oldDb), now);
    const is = await night(new SqlRfmRepo(newDb), now, 2);
    t.deepEqual(await scores(newDb), await scores(oldDb), `scores after night ${i + 1}`);
    t.deepEqual(await history(newDb), await history(oldDb), `history after night ${i + 1}`);
    t.deepEqual([is.runId, is.scored, is.changed, is.left, is.segments], [was.runId, was.scored, was.changed, was.left, was.segments], `run result of night ${i + 1}`);
    runIds.push(is.runId);
  }
  t.true((await history(newDb)).some((h) => h.endsWith('>null')), 'some customers left');
  t.deepEqual(await reports(newDb, runIds), await reports(oldDb, runIds));
});

test(`${b} a second night with no changes writes no score and no history row`, async (t) => {
  const db = await segmentDb(t, [1, 2, 3]);
  await addCustomers(db, population(seeded(11)));
  const rfm = new SqlRfmRepo(db);
  await night(rfm, NOW);
  const before = await db('customer_rfm').orderBy('customer_id');
  const historyRows = await db('rfm_history').count({ n: '*' }).first();
  // On SQLite, triggers count every row written to the scores and the history (they fire only for
  // rows actually changed); on MariaDB the unchanged run ids and times below say the same.
  const sqlite = dbClient(db) === 'sqlite';
  if (sqlite) {
    await db.raw('CREATE TABLE writes (n INTEGER)');
    for (const table of ['customer_rfm', 'rfm_history'])
      for (const op of ['INSERT', 'UPDATE', 'DELETE']) await db.raw(`CREATE TRIGGER count_${table}_${op} AFTER ${op} ON ${table} BEGIN INSERT INTO writes VALUES (1); END`);
  }
  // A day later everyone's recency grew by one day: nobody's quintile moves.
  const second = await night(rfm, NOW + DAY_MS, 2);
  t.like(second, { scored: 240, changed: 0, left: 0 });
  t.deepEqual(await db('customer_rfm').orderBy('customer_id'), before, 'no row rewritten: run_id and computed_at name the first night');
  t.deepEqual(await db('rfm_history').count({ n: '*' }).first(), historyRows);
  if (sqlite) t.deepEqual(await db('writes').count({ n: '*' }).first(), { n: 0 }, 'no score or history row written');
});

test(`${b} a customer whose recency crosses a boundary overnight gets exactly one history row`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, [
    { id: 1, storeId: 1, boughtDaysAgo: 1, orderCount: 1, totalSpentFen: 100 },
    { id: 2, storeId: 1, boughtDaysAgo: 5, orderCount: 1, totalSpentFen: 100 },
    { id: 3, storeId: 1, boughtDaysAgo: 10, orderCount: 1, totalSpentFen: 100 },
    { id: 4, storeId: 1, boughtDaysAgo: 20, orderCount: 1, totalSpentFen: 100 },
    { id: 5, storeId: 1, boughtDaysAgo: 40, orderCount: 1, totalSpentFen: 100 },
  ]);
  const rfm = new SqlRfmRepo(db);
  const first = await night(rfm, NOW);
  // R of 3 is 3 (high): general_develop. Overnight 4 and 5 buy again, so 3 falls to R 1.
  t.deepEqual(await db('customer_rfm').where('customer_id', 3).first('r', 'segment'), { r: 3, segment: 'general_develop' });
  await db('customers').whereIn('id', [4, 5]).update({ last_purchase_at: NOW + 3600_000 });
  const second = await night(rfm, NOW + DAY_MS);
  const rows = await db('rfm_history').where({ customer_id: 3, run_id: second.runId }).select('from_segment', 'to_segment');
  t.deepEqual(rows, [{ from_segment: 'general_develop', to_segment: 'general_retain' }]);
  t.is(await db('rfm_history').where('customer_id', 3).count({ n: '*' }).first().then((r) => Number(r!.n)), 2, 'entered on the first night, moved on the second');
  // 4 and 5 moved up (retain → develop), 1 and 2 fell: every change once, nobody else.
  const changes = await db('rfm_history').where('run_id', second.runId).orderBy('customer_id').pluck('customer_id');
  t.is(second.changed, changes.length);
  t.is(new Set(changes.map(Number)).size, changes.length);
  t.is(first.changed, 5);
});

test(`${b} a night that fails half-way is redone by the next run without recording anything twice`, async (t) => {
  const [oldDb, newDb] = [await segmentDb(t, [1, 2, 3]), await segmentDb(t, [1, 2, 3])];
  for (const db of [oldDb, newDb]) await addCustomers(db, population(seeded(23)));
  await night(new LegacyRfmRepo(oldDb), NOW);
  await night(new SqlRfmRepo(newDb), NOW);
  for (const db of [oldDb, newDb]) await aDay(db, 5, NOW + DAY_MS, 2000);
  // Store 2's batch fails after store 1's has committed.
  const real = new SqlRfmRepo(newDb);
  let calls = 0;
  const failing: RfmRepo = Object.assign(Object.create(real) as SqlRfmRepo, {
    scoreStores: async (runId: number, now: number, ids: readonly number[]) => {
      if (++calls === 2) throw new Error('connection lost');
      return real.scoreStores(runId, now, ids);
    },
  });
  await t.throwsAsync(night(failing, NOW + DAY_MS + 3600_000), { message: 'connection lost' });
  const redo = await night(real, NOW + DAY_MS + 3600_000);
  await night(new LegacyRfmRepo(oldDb), NOW + DAY_MS + 3600_000);
  t.deepEqual(await scores(newDb), await scores(oldDb), 'the same scores as a night that never failed');
  // Each customer's history is a chain of real changes ending at their current segment.
  const current = new Map((await newDb('customer_rfm').select('customer_id', 'segment')).map((r) => [Number(r.customer_id), r.segment as string]));
  const chains = new Map<number, Array<{ from: string | null; to: string | null }>>();
  for (const h of await newDb('rfm_history').orderBy(['customer_id', 'run_id'])) (chains.get(Number(h.customer_id)) ?? chains.set(Number(h.customer_id), []).get(Number(h.customer_id))!).push({ from: h.from_segment, to: h.to_segment });
  for (const [id, chain] of chains) {
    chain.forEach((h, i) => {
      t.not(h.from, h.to, `customer ${id}: a history row is a change`);
      if (i) t.is(h.from, chain[i - 1]!.to, `customer ${id}: each change starts where the last ended`);
    });
    t.is(chain[chain.length - 1]!.to, current.get(id) ?? null, `customer ${id}: the history ends at the current segment`);
  }
  t.is(redo.scored, Number((await newDb('customer_rfm').count({ n: '*' }).first())!.n));
  const unfinished = await newDb('rfm_runs').whereNull('finished_at').pluck('id');
  t.is(unfinished.length, 1, 'the failed run stays unfinished; the reports ignore it');
});

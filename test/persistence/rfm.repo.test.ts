import test from 'ava';
import { runRfmNightly } from '../../src/jobs/rfm-nightly.job.js';
import { DAY_MS, scoreStore } from '../../src/domain/segment/rfm.js';
import { SegmentService } from '../../src/domain/segment/segment.service.js';
import { ManualClock } from '../../src/shared/clock.js';
import { SqlReactivationRepo } from '../../src/persistence/reactivation.repo.js';
import { SqlRfmRepo } from '../../src/persistence/rfm.repo.js';
import type { Db } from '../../src/persistence/db.js';
import { backendName } from '../support/backends.js';
import { NOW, addCustomers, daysAgo, seeded, segmentDb, type TestCustomer } from '../support/segments.js';

const b = `[${backendName}]`;

const run = (db: Db, now = NOW) => runRfmNightly({ now, rfm: new SqlRfmRepo(db), clock: new ManualClock(now), storesPerBatch: 1 });

/** Five customers of store 1 with distinct recency, frequency and spend. */
const FIVE: TestCustomer[] = [
    { id: 1, storeId: 1, boughtDaysAgo: 1, orderCount: 9, totalSpentFen: 90_000 },
    { id: 2, storeId: 1, boughtDaysAgo: 300, orderCount: 1, totalSpentFen: 100 },
    { id: 3, storeId: 1, boughtDaysAgo: 2, orderCount: 1, totalSpentFen: 80_000 },
    { id: 4, storeId: 1, boughtDaysAgo: 200, orderCount: 8, totalSpentFen: 500 },
    { id: 5, storeId: 1, boughtDaysAgo: 150, orderCount: 5, totalSpentFen: 70_000 },
];

async function current(db: Db): Promise<Record<number, string>> {
  const rows = await db('customer_rfm').select('customer_id', 'r', 'f', 'm', 'segment').orderBy('customer_id');
  return Object.fromEntries(rows.map((r) => [Number(r.customer_id), `${r.r}${r.f}${r.m} ${r.segment}`]));
}

test(`${b} a small store gets exact scores and segments; other stores, non-buyers and merged customers stay out`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, [
    ...FIVE,
    // Same day as customer 3 (a few hours apart): the same recency, so the same R.
    { id: 6, storeId: 1, lastPurchaseAt: daysAgo(2) - 3 * 3600_000, orderCount: 1, totalSpentFen: 100 },
    { id: 7, storeId: 1, boughtDaysAgo: null },
    { id: 8, storeId: 1, boughtDaysAgo: 1, orderCount: 50, totalSpentFen: 10_000_000, mergedInto: 1 },
    // Alone in its store: ranked against nobody else, it is the worst of one.
    { id: 9, storeId: 2, boughtDaysAgo: 1, orderCount: 50, totalSpentFen: 10_000_000 },
  ]);
  const res = await run(db);
  t.like(res, { stores: 2, scored: 7, changed: 7, left: 0 });
  t.deepEqual(await current(db), {
    // n = 6; R by days [1, 300, 2, 200, 150, 2]; F [9, 1, 1, 8, 5, 1]; M [90000, 100, 80000, 500, 70000, 100].
    1: '555 important_value',
    2: '111 general_retain',
    3: '314 important_develop',
    4: '142 general_keep',
    5: '233 important_keep',
    6: '311 general_develop',
    9: '111 general_retain',
  });
  t.is(res.segments.important_value, 1);
  t.is(res.segments.general_retain, 2);
});

test(`${b} SQL scores equal the in-memory reference on a random store with many ties`, async (t) => {
  const db = await segmentDb(t);
  const rng = seeded(42);
  const customers = Array.from({ length: 157 }, (_, i) => ({
    id: i + 1,
    storeId: 1,
    lastPurchaseAt: NOW - Math.floor(rng() * 400 * DAY_MS),
    orderCount: 1 + Math.floor(rng() * rng() * 6),
    totalSpentFen: Math.floor(rng() * 50) * 1000,
  }));
  await addCustomers(db, customers);
  await run(db);
  const expected = scoreStore(
    NOW,
    customers.map((c) => ({ customerId: c.id, lastPurchaseAt: c.lastPurchaseAt, orderCount: c.orderCount, totalSpentFen: c.totalSpentFen })),
  );
  t.deepEqual(await current(db), Object.fromEntries(expected.map((s) => [s.customerId, `${s.r}${s.f}${s.m} ${s.segment}`])));
});

test(`${b} history keeps only changes and the movement report shows who moved, stayed, entered and left`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, [
    ...FIVE,
    { id: 6, storeId: 2, boughtDaysAgo: 10, orderCount: 2, totalSpentFen: 5000 },
  ]);
  const first = await run(db);
  const second = await run(db);
  t.is(second.changed, 0, 'a second night with the same data records no change');
  t.is(await db('rfm_history').count({ n: '*' }).first().then((r) => Number(r!.n)), 6);

  // Customer 2 buys big today, 5 is merged away, 7 buys for the first time.
  await db('customers').where('id', 2).update({ last_purchase_at: NOW + 3600_000, order_count: 20, total_spent_fen: 1_000_000 });
  await db('customers').where('id', 5).update({ merged_into: 1 });
  await addCustomers(db, [{ id: 7, storeId: 1, boughtDaysAgo: 0, orderCount: 1, totalSpentFen: 100 }]);
  const third = await run(db, NOW + DAY_MS);
  t.like(third, { scored: 6, left: 1 });

  const svc = new SegmentService({ rfm: new SqlRfmRepo(db), reactivation: new SqlReactivationRepo(db) });
  const mv = await svc.movement({ fromRun: first.runId, toRun: third.runId, storeId: 1 });
  const moves = Object.fromEntries(mv.moves.map((m) => [`${m.from}>${m.to}`, m.customers]));
  // Store 1 at the third run (n = 5): R days [2, 0, 3, 201, 1], F [9, 20, 1, 8, 1], M [90000, 1e6, 80000, 500, 100].
  t.deepEqual(moves, {
    'important_value>important_value': 1, // 1: 555 → 344
    'general_retain>important_value': 1, // 2: 111 → 555
    'important_develop>important_retain': 1, // 3: 314 → 213
    'general_keep>general_keep': 1, // 4: 142 → 132
    'important_value>null': 1, // 5 (333) merged away
    'null>general_develop': 1, // 7: new, 411
  });
  t.is(mv.moves.find((m) => m.from === 'general_retain')?.toLabel, '重要价值客户');
  const all = await svc.movement({ fromRun: first.runId, toRun: third.runId });
  t.is(all.moves.find((m) => m.from === 'general_retain' && m.to === 'general_retain')?.customers, 1, 'customer 6, alone in store 2, stayed while 2 moved out');
  t.is(all.moves.reduce((a, m) => a + m.customers, 0), 7);

  const dist = await svc.distribution(1);
  t.is(dist.length, 1);
  t.like(dist[0], { storeId: 1, customers: 5 });
  t.deepEqual(
    dist[0]!.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers, s.share]),
    [
      ['important_value', 2, 0.4],
      ['important_retain', 1, 0.2],
      ['general_develop', 1, 0.2],
      ['general_keep', 1, 0.2],
    ],
  );
  t.is(dist[0]!.segments.length, 8, 'empty segments are listed with zero');
  t.deepEqual((await svc.distribution()).map((d) => d.storeId), [1, 2]);
});

test(`${b} re-scoring a batch within the same run changes nothing`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, [
    { id: 1, storeId: 1, boughtDaysAgo: 1, orderCount: 9, totalSpentFen: 90_000 },
    { id: 2, storeId: 1, boughtDaysAgo: 300, orderCount: 1, totalSpentFen: 100 },
  ]);
  const rfm = new SqlRfmRepo(db);
  await run(db);
  const runId = await rfm.startRun(NOW + DAY_MS);
  await db('customers').where('id', 2).update({ last_purchase_at: NOW + 3600_000, order_count: 20, total_spent_fen: 1_000_000 });
  const a = await rfm.scoreStores(runId, NOW + DAY_MS, [1]);
  const b2 = await rfm.scoreStores(runId, NOW + DAY_MS, [1]);
  t.is(a.changed, 2, 'the two swap places');
  t.deepEqual(b2, { scored: 2, changed: 0, left: 0 });
  const rows = await db('customer_rfm').orderBy('customer_id').select('segment', 'prev_segment');
  t.deepEqual(rows.map((r) => [r.prev_segment, r.segment]), [
    ['important_value', 'general_retain'],
    ['general_retain', 'important_value'],
  ]);
});

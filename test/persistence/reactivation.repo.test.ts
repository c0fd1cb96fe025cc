import test from 'ava';
import { recordEntries, selectDormant } from '../../src/domain/segment/reactivation.service.js';
import { SegmentService } from '../../src/domain/segment/segment.service.js';
import type { DormantCustomer } from '../../src/domain/segment/segment.ports.js';
import { DAY_MS } from '../../src/domain/segment/rfm.js';
import { SqlReactivationRepo } from '../../src/persistence/reactivation.repo.js';
import { SqlRfmRepo } from '../../src/persistence/rfm.repo.js';
import type { Db } from '../../src/persistence/db.js';
import { backendName } from '../support/backends.js';
import { NOW, addCustomers, addOrder, daysAgo, seeded, segmentDb } from '../support/segments.js';

const b = `[${backendName}]`;

async function dormantIds(db: Db, o: { dormantDays?: number; limit?: number; storeId?: number } = {}): Promise<number[]> {
  const ids: number[] = [];
  for await (const page of selectDormant(new SqlReactivationRepo(db), { storeId: o.storeId ?? 1, now: NOW, dormantDays: o.dormantDays, limit: o.limit })) ids.push(...page.map((c) => c.customerId));
  return ids;
}

const entry = (customerId: number, enteredAt: number, o: { runId?: number; arm?: 'treated' | 'holdout'; segment?: 'important_value' | 'general_retain' | null } = {}) => ({
  customerId,
  storeId: 1,
  runId: o.runId ?? 1,
  segment: o.segment === undefined ? null : o.segment,
  arm: o.arm ?? 'treated',
  enteredAt,
});

test(`${b} dormant means no purchase and no message for N days exactly, bought once, reachable and not recently entered`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, [
    { id: 1, storeId: 1, lastPurchaseAt: daysAgo(60) },
    { id: 2, storeId: 1, lastPurchaseAt: daysAgo(60) + 1 }, // one ms short of 60 days
    { id: 3, storeId: 1, boughtDaysAgo: 90, lastInboundAt: daysAgo(59) }, // wrote recently
    { id: 4, storeId: 1, boughtDaysAgo: 90, lastInboundAt: daysAgo(60) },
    { id: 5, storeId: 1, boughtDaysAgo: 90, optedOut: true },
    { id: 6, storeId: 1, boughtDaysAgo: 90, mergedInto: 1 },
    { id: 7, storeId: 1, boughtDaysAgo: null }, // never bought
    { id: 8, storeId: 2, boughtDaysAgo: 90 }, // another store
    { id: 9, storeId: 1, boughtDaysAgo: 90 }, // entered 29 days ago
    { id: 10, storeId: 1, boughtDaysAgo: 90 }, // entered exactly 30 days ago
    { id: 11, storeId: 1, boughtDaysAgo: 90 }, // entered 31 days ago, as holdout
    { id: 12, storeId: 1, boughtDaysAgo: 45 },
  ]);
  await new SqlReactivationRepo(db).insertEntries([entry(9, daysAgo(29)), entry(10, daysAgo(30)), entry(11, daysAgo(31), { arm: 'holdout' }), entry(9, daysAgo(100), { runId: 0 })]);
  t.deepEqual(await dormantIds(db), [1, 4, 10, 11]);
  t.deepEqual(await dormantIds(db, { dormantDays: 40 }), [1, 2, 3, 4, 10, 11, 12], 'a store with a shorter setting (3 wrote 59 days ago)');
  t.deepEqual(await dormantIds(db, { storeId: 2 }), [8]);
});

test(`${b} paging by id returns every dormant customer exactly once, with their segment`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, Array.from({ length: 23 }, (_, i) => ({ id: 100 + i * 3, storeId: 1, boughtDaysAgo: 61 + i, orderCount: 1 + (i % 4), totalSpentFen: 1000 * i })));
  await db('customer_rfm').insert({ customer_id: 103, store_id: 1, r: 5, f: 5, m: 5, segment: 'important_value', run_id: 1, computed_at: NOW });
  const pages: DormantCustomer[][] = [];
  for await (const page of selectDormant(new SqlReactivationRepo(db), { storeId: 1, now: NOW, limit: 5 })) pages.push(page);
  t.deepEqual(pages.map((p) => p.length), [5, 5, 5, 5, 3]);
  const ids = pages.flat().map((c) => c.customerId);
  t.deepEqual(ids, Array.from({ length: 23 }, (_, i) => 100 + i * 3));
  t.deepEqual(pages[0]![1], { customerId: 103, storeId: 1, segment: 'important_value' });
  t.is(pages[0]![0]!.segment, null);
  t.deepEqual(await dormantIds(db, { limit: 23 }), ids, 'a full last page ends with one empty read');
});

test(`${b} a run records treated and holdout alike, touches only the treated, and skips them all next time`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, Array.from({ length: 200 }, (_, i) => ({ id: i + 1, storeId: 1, boughtDaysAgo: 70 })));
  const repo = new SqlReactivationRepo(db);
  const touched: number[] = [];
  const res = await recordEntries(repo, { storeId: 1, now: NOW, runId: 7, limit: 50, rng: seeded(9), touch: async (batch) => void touched.push(...batch.map((c) => c.customerId)) });
  t.deepEqual(res, { treated: 180, holdout: 20 });
  const rows = await db('reactivation_entries').select('customer_id', 'arm', 'run_id', 'entered_at');
  t.is(rows.length, 200);
  const holdout = rows.filter((r) => r.arm === 'holdout').map((r) => Number(r.customer_id));
  t.is(holdout.length, 20);
  t.is(touched.length, 180);
  t.false(holdout.some((id) => touched.includes(id)), 'no holdout customer is touched');
  t.true(rows.every((r) => Number(r.run_id) === 7 && Number(r.entered_at) === NOW));
  t.deepEqual(await recordEntries(repo, { storeId: 1, now: NOW + DAY_MS, runId: 8, touch: async () => t.fail('nobody is due again') }), { treated: 0, holdout: 0 });
  t.is(await repo.insertEntries([entry(1, NOW, { runId: 7 })]), 0, 'a run enters a customer once');
});

test(`${b} lift counts a paid order within 14 days after entry as a conversion, per arm and segment`, async (t) => {
  const db = await segmentDb(t);
  await addCustomers(db, Array.from({ length: 8 }, (_, i) => ({ id: i + 1, storeId: 1, boughtDaysAgo: 100 })));
  const at = NOW;
  const repo = new SqlReactivationRepo(db);
  await repo.insertEntries([
    entry(1, at, { segment: 'important_value' }),
    entry(2, at, { segment: 'important_value' }),
    entry(3, at, { segment: 'important_value' }),
    entry(4, at, { segment: 'important_value', arm: 'holdout' }),
    entry(5, at, { segment: 'general_retain' }),
    entry(6, at, { segment: 'general_retain', arm: 'holdout' }),
    entry(7, at, { segment: 'general_retain', arm: 'holdout' }),
    entry(8, at, { segment: 'general_retain', runId: 2 }),
  ]);
  await addOrder(db, { id: 1, customerId: 1, paidAt: at + 14 * DAY_MS }); // last moment inside
  await addOrder(db, { id: 2, customerId: 1, paidAt: at + DAY_MS }); // a second order counts once
  await addOrder(db, { id: 3, customerId: 2, paidAt: at + 14 * DAY_MS + 1 }); // just outside
  await addOrder(db, { id: 4, customerId: 3, paidAt: at }); // at entry: not after it
  await addOrder(db, { id: 5, customerId: 3, paidAt: at + 2 * DAY_MS, status: 'refunded' });
  await addOrder(db, { id: 6, customerId: 4, paidAt: at + 3 * DAY_MS });
  await addOrder(db, { id: 7, customerId: 5, paidAt: at + 3 * DAY_MS });
  await addOrder(db, { id: 8, customerId: 8, paidAt: at + 3 * DAY_MS }); // other run
  const svc = new SegmentService({ rfm: new SqlRfmRepo(db), reactivation: repo });
  const r = await svc.measureLift({ runId: 1 });
  t.deepEqual(
    r.arms.map((a) => [a.segment, a.arm, a.entered, a.converted]),
    [
      ['general_retain', 'holdout', 2, 0],
      ['general_retain', 'treated', 1, 1],
      ['important_value', 'holdout', 1, 1],
      ['important_value', 'treated', 3, 1],
    ],
  );
  const lift = Object.fromEntries(r.lift.map((l) => [String(l.segment), l.lift]));
  t.is(lift.general_retain, 1);
  t.is(Math.round(lift.important_value! * 1000), -667);
  t.is(Math.round(lift.all! * 1000), Math.round((2 / 4 - 1 / 3) * 1000));
  const wider = await svc.measureLift({ runId: 1 }, 15);
  t.is(wider.arms.find((a) => a.segment === 'important_value' && a.arm === 'treated')!.converted, 2, 'a 15-day window takes in the order at 14 days + 1 ms');
  const byWindow = await svc.measureLift({ from: at, to: at + 1 });
  t.is(byWindow.arms.reduce((a, x) => a + x.entered, 0), 8, 'a time window spans runs');
});

test(`${b} a store's own dormant threshold replaces the default for its customers, and entering a run makes them dormant`, async (t) => {
  const db = await segmentDb(t);
  await db('stores').where({ id: 2 }).update({ dormant_days: 30 });
  await addCustomers(db, [
    { id: 1, storeId: 1, boughtDaysAgo: 45 },
    { id: 2, storeId: 2, boughtDaysAgo: 45 },
    { id: 3, storeId: 2, boughtDaysAgo: 29, lastInboundAt: daysAgo(60) },
    { id: 4, storeId: 2, boughtDaysAgo: 90, lastInboundAt: daysAgo(10) },
    { id: 5, storeId: 1, boughtDaysAgo: 61 },
  ]);
  await db('customers').whereIn('id', [1, 2, 5]).update({ stage: 'repeat' });
  const all: number[] = [];
  for await (const page of selectDormant(new SqlReactivationRepo(db), { now: NOW })) all.push(...page.map((c) => c.customerId));
  t.deepEqual(all, [2, 5], 'store 2 (30 days) and store 1 (the 60-day default) in one pass');
  t.deepEqual(await dormantIds(db, { storeId: 1, dormantDays: 40 }), [1, 5], 'the default given by config applies where the store has none');
  t.deepEqual(await dormantIds(db, { storeId: 2, dormantDays: 40 }), [2], "the store's own threshold wins over the default");

  await recordEntries(new SqlReactivationRepo(db), { now: NOW, runId: 1, holdoutPct: 0, touch: async () => {} });
  const stages = Object.fromEntries((await db('customers').select('id', 'stage')).map((r) => [Number(r.id), r.stage]));
  t.is(stages[2], 'dormant');
  t.is(stages[5], 'dormant');
  t.is(stages[1], 'repeat', 'not dormant under its store threshold');
});

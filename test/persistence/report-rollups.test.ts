import test, { type ExecutionContext } from 'ava';
import type { QueryScope } from '../../src/domain/access/access.js';
import { runReportRollup } from '../../src/jobs/report-rollup.job.js';
import { createDb, migrateLatest, type Db } from '../../src/persistence/db.js';
import { SqlFunnelRepo } from '../../src/persistence/funnel.repo.js';
import { SqlMpOperationsRepo } from '../../src/persistence/mp-operations.repo.js';
import { SqlReportRollupRepo } from '../../src/persistence/report-rollup.repo.js';
import { DAY_MS, shanghaiDay, shanghaiDayStart } from '../../src/shared/shanghai-time.js';
import { backendName, freshDatabase } from '../support/backends.js';
import { seeded } from '../support/segments.js';

const b = `[${backendName}]`;
// 2026-12-01 18:00 UTC = 02:00 on 2 December in Shanghai: the UTC and Shanghai days differ.
const NOW = Date.UTC(2026, 11, 1, 18, 0, 0);
const TODAY = shanghaiDayStart(NOW);
const REPS = ['u1', 'u2', 'u3', 'u4'];
/** Channels 1–2 in store 1, 3 in store 2, 4 in no store; channel 5 (store 3) holds the hand-counted cases. */
const CHANNELS = [
  { id: 1, store_id: 1, staff: ['u1', 'u2'] },
  { id: 2, store_id: 1, staff: ['u2'] },
  { id: 3, store_id: 2, staff: ['u3'] },
  { id: 4, store_id: null, staff: ['u4', 'u1'] },
  { id: 5, store_id: 3, staff: ['u5', 'u6'] },
];
const SCOPES: QueryScope[] = [{ kind: 'all' }, { kind: 'store', storeId: 1 }, { kind: 'store', storeId: 2 }, { kind: 'store', storeId: 3 }, ...REPS.map((r) => ({ kind: 'owner' as const, ownerUserId: r }))];

async function world(t: ExecutionContext): Promise<Db> {
  const db = createDb(await freshDatabase(t));
  t.teardown(() => db.destroy());
  await migrateLatest(db);
  await db('stores').insert([1, 2, 3].map((id) => ({ id, code: `s${id}`, name: `门店${id}`, created_at: 0 })));
  await db('channels').insert(
    CHANNELS.map((c) => ({ id: c.id, code: `c${c.id}`, name: `渠道${c.id}`, kind: 'qr', store_id: c.store_id, staff_userids: JSON.stringify(c.staff), welcome_text: '', tags: '[]', attributes: '{}', created_at: 0, updated_at: 0 })),
  );
  return db;
}

/** Times that stress the day buckets: Shanghai midnights, a millisecond either side, and random ones. */
function timeOf(rng: () => number, daysBack: number): number {
  const day = TODAY - Math.floor(rng() * daysBack) * DAY_MS;
  const pick = rng();
  if (pick < 0.15) return day;
  if (pick < 0.3) return day - 1;
  if (pick < 0.4) return day + DAY_MS - 1;
  return day + Math.floor(rng() * DAY_MS);
}

let serial = 0;
/** Random people through channels 1–4: scans, leads, adds (some to two reps), claims, orders, touches, replies. */
async function addTraffic(db: Db, rng: () => number, o: { people: number; daysBack: number }): Promise<void> {
  const channel = () => 1 + Math.floor(rng() * 4);
  const rep = () => REPS[Math.floor(rng() * REPS.length)]!;
  const scans = Array.from({ length: o.people * 4 }, () => {
    const at = timeOf(rng, o.daysBack);
    return { channel_id: channel(), visitor_id: `v${Math.floor(rng() * 50)}`, ip_hash: '', day: shanghaiDay(at), first_of_day: rng() < 0.6, created_at: at };
  });
  for (let i = 0; i < scans.length; i += 100) await db('scans').insert(scans.slice(i, i + 100));
  for (let p = 0; p < o.people; p++) {
    const n = ++serial;
    const storeId = rng() < 0.8 ? 1 + Math.floor(rng() * 2) : null;
    const firstBuy = rng() < 0.5 ? timeOf(rng, o.daysBack) : null;
    const [id] = await db('customers').insert({ store_id: storeId, name: `客户${n}`, owner_userid: rng() < 0.9 ? rep() : null, first_channel_id: channel(), first_purchase_at: firstBuy, created_at: timeOf(rng, o.daysBack), updated_at: 0 });
    const customerId = Number(id);
    const ch = channel();
    if (rng() < 0.6) {
      const leads = rng() < 0.2 ? 2 : 1;
      for (let k = 0; k < leads; k++) await db('leads').insert({ customer_id: customerId, channel_id: rng() < 0.8 ? ch : channel(), link_state: `ls${n}_${k}`, staff_userid: rep(), visitor_id: `v${n}`, name: '', phone_enc: '', created_at: timeOf(rng, o.daysBack) });
    }
    if (rng() < 0.7) {
      const reps = rng() < 0.25 ? [rep(), rep()] : [rep()];
      for (const r of new Set(reps)) await db('customer_follows').insert({ customer_id: customerId, staff_userid: r, channel_id: rng() < 0.9 ? ch : null, status: 'active', added_at: timeOf(rng, o.daysBack) });
    }
    if (rng() < 0.3) await db('coupon_claims').insert({ customer_id: customerId, channel_id: rng() < 0.9 ? ch : null, offer_key: `channel:${ch}`, code: `k${n}`, created_at: timeOf(rng, o.daysBack) });
    if (firstBuy !== null) {
      const orders = [firstBuy, ...(rng() < 0.4 ? [timeOf(rng, o.daysBack)] : [])];
      for (const [k, paidAt] of orders.entries()) {
        await db('orders').insert({ store_id: storeId, customer_id: customerId, source: 'admin', order_no: `o${n}_${k}`, amount_fen: 100 + Math.floor(rng() * 9900), status: rng() < 0.9 ? 'paid' : 'refunded', paid_at: paidAt, channel_id: rng() < 0.8 ? ch : null, items: '[]', created_at: paidAt });
      }
    }
    if (rng() < 0.5) {
      const sentAt = timeOf(rng, 8);
      await db('touches').insert({ idem_key: `t${n}`, customer_id: customerId, store_id: storeId, step_index: 0, kind: 'message', payload: '{}', status: rng() < 0.7 ? 'sent' : 'skipped', due_at: sentAt, created_at: sentAt, sent_at: sentAt });
    }
    if (rng() < 0.5) await db('customer_events').insert({ customer_id: customerId, kind: 'message_in', data: '{}', occurred_at: timeOf(rng, 8) });
  }
}

const RANGES: Array<[string, number, number]> = [
  ['30 days to today', TODAY - 29 * DAY_MS, TODAY + DAY_MS],
  ['a year', TODAY - 365 * DAY_MS, TODAY + DAY_MS],
  ['yesterday alone', TODAY - DAY_MS, TODAY],
  ['partial days at both ends', TODAY - 12 * DAY_MS + 5 * 3600_000, TODAY - 3 * DAY_MS + 1],
  ['within one day', TODAY - 2 * DAY_MS + 1, TODAY - DAY_MS - 1],
];
const CHANNEL_SETS: Array<number[] | undefined> = [undefined, [1], [1, 3, 4], []];

/** The funnel and the dashboard from the rollups equal the same reads from raw rows, for every range, channel set and scope. */
async function assertSame(t: ExecutionContext, db: Db, when: string): Promise<void> {
  const rolled = new SqlFunnelRepo(db);
  const raw = new SqlFunnelRepo(db, { rollups: false });
  const sorted = (xs: Array<{ channelId: number }>) => [...xs].sort((a, c) => a.channelId - c.channelId);
  for (const [name, from, to] of RANGES) {
    for (const channelIds of CHANNEL_SETS) {
      t.deepEqual(sorted(await rolled.countSteps({ from, to, channelIds })), sorted(await raw.countSteps({ from, to, channelIds })), `${when}: funnel, ${name}, channels ${channelIds ?? 'all'}`);
    }
  }
  const dashRolled = new SqlMpOperationsRepo(db);
  const dashRaw = new SqlMpOperationsRepo(db, { rollups: false });
  for (const scope of SCOPES) {
    for (const from of [TODAY - 6 * DAY_MS, TODAY - 30 * DAY_MS]) {
      t.deepEqual(await dashRolled.dailyCounts(scope, from, 7), await dashRaw.dailyCounts(scope, from, 7), `${when}: dashboard, ${JSON.stringify(scope)}, from ${from}`);
    }
  }
}

test(`${b} the funnel and the dashboard read the same numbers from the rollups as from raw rows, before, during and after folding, late rows included`, async (t) => {
  const db = await world(t);
  const rng = seeded(7);
  await addTraffic(db, rng, { people: 60, daysBack: 40 });
  const rollup = new SqlReportRollupRepo(db);
  await assertSame(t, db, 'nothing folded yet');

  // The first run only notes the highest ids; the next folds them, 7 rows a transaction.
  t.deepEqual((await rollup.advance({ now: NOW, chunk: 7 })).folded, { scans: 0, leads: 0 });
  const folded = await rollup.advance({ now: NOW, chunk: 7 });
  const [scanCount] = await db('scans').count({ n: '*' });
  t.is(folded.folded.scans, Number(scanCount!.n));
  const [inRollup] = await db('scan_days').sum({ n: 'scans' });
  t.is(Number(inRollup!.n), Number(scanCount!.n), 'every scan is in the rollup once');
  await assertSame(t, db, 'all folded');

  // Late rows for past days (an import, a delayed callback): live until folded, then in the rollup.
  await addTraffic(db, rng, { people: 20, daysBack: 40 });
  await assertSame(t, db, 'late rows not yet seen');
  await rollup.advance({ now: NOW });
  await assertSame(t, db, 'late rows seen, not folded');
  // Two runners at once (two jobs instances): the watermark lets each row in once.
  await Promise.all([rollup.advance({ now: NOW, chunk: 5 }), rollup.advance({ now: NOW, chunk: 5 })]);
  await assertSame(t, db, 'late rows folded by two runners');
  const [scanCount2] = await db('scans').count({ n: '*' });
  const [inRollup2] = await db('scan_days').sum({ n: 'scans' });
  t.is(Number(inRollup2!.n), Number(scanCount2!.n));

  const again = await runReportRollup({ repo: rollup, now: NOW });
  t.deepEqual(again.folded, { scans: 0, leads: 0 }, 'a run with nothing new adds nothing');
  await assertSame(t, db, 'after an idle run');
});

test(`${b} a scan at Shanghai midnight counts for the day it opens, and a person who adds two reps through one channel counts once`, async (t) => {
  const db = await world(t);
  const scan = (at: number) => ({ channel_id: 5, visitor_id: `v${at}`, ip_hash: '', day: shanghaiDay(at), first_of_day: true, created_at: at });
  await db('scans').insert([scan(TODAY), scan(TODAY - 1), scan(TODAY - 6 * DAY_MS), scan(TODAY - 6 * DAY_MS - 1)]);
  const [id] = await db('customers').insert({ store_id: 3, name: '甲', owner_userid: 'u5', created_at: TODAY, updated_at: 0 });
  await db('customer_follows').insert([
    { customer_id: Number(id), staff_userid: 'u5', channel_id: 5, status: 'active', added_at: TODAY + 1000 },
    { customer_id: Number(id), staff_userid: 'u6', channel_id: 5, status: 'active', added_at: TODAY + 2000 },
  ]);
  const rollup = new SqlReportRollupRepo(db);
  await rollup.advance({ now: NOW });
  await rollup.advance({ now: NOW });
  const dash = await new SqlMpOperationsRepo(db).dailyCounts({ kind: 'store', storeId: 3 }, TODAY - 6 * DAY_MS, 7);
  t.deepEqual(dash.map((d) => d.scans), [1, 0, 0, 0, 0, 1, 1]);
  t.deepEqual(dash.map((d) => d.adds), [0, 0, 0, 0, 0, 0, 1]);
  const [funnel] = await new SqlFunnelRepo(db).countSteps({ from: TODAY - 6 * DAY_MS, to: TODAY + DAY_MS, channelIds: [5] });
  t.like(funnel, { channelId: 5, scans: 3, visitors: 3, adds: 1, addsWithoutLead: 1 });
});

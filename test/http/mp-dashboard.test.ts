import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { backendName } from '../support/backends.js';
import { mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 2026-03-10 14:00 in Asia/Shanghai.
const NOW = Date.parse('2026-03-10T14:00:00+08:00');

/** Two stores' worth of activity today, yesterday and eight days ago. */
async function busyWorld(t: Parameters<typeof mpWorld>[0]) {
  const w = await mpWorld(t, { clock: new ManualClock(NOW) });
  const { siyu, stores } = w;
  const ch1 = (await w.as('hq', 'POST', '/channels', { name: '一店电梯', kind: 'elevator', storeId: stores.s1, staffUserIds: ['rep1a'], welcomeText: '欢迎', tags: [] })).json.id as number;
  const ch2 = (await w.as('hq', 'POST', '/channels', { name: '二店海报', kind: 'poster', storeId: stores.s2, staffUserIds: ['rep2'], welcomeText: '欢迎', tags: [] })).json.id as number;
  const a = await w.customer('甲', stores.s1, 'rep1a');
  const c2 = await w.customer('乙', stores.s1, 'rep1b');
  const c = await w.customer('丙', stores.s2, 'rep2');
  const today = NOW - HOUR;
  const yesterday = NOW - DAY;
  let n = 0;
  const scan = (channel_id: number, at: number) => ({ channel_id, visitor_id: `v${n++}`, ip_hash: 'x', user_agent: '', day: 0, first_of_day: true, created_at: at });
  await siyu.db('scans').insert([scan(ch1, today), scan(ch1, today), scan(ch1, today), scan(ch2, today), scan(ch1, yesterday), scan(ch1, yesterday), ...Array.from({ length: 5 }, () => scan(ch1, NOW - 8 * DAY))]);
  const lead = (customer_id: number, staff: string) => ({ customer_id, channel_id: ch1, link_state: `ls${n++}`, staff_userid: staff, visitor_id: 'v', name: 'x', phone_enc: 'x', created_at: today });
  await siyu.db('leads').insert([lead(a, 'rep1a'), lead(c2, 'rep1b')]);
  const follow = (customer_id: number, staff: string) => ({ customer_id, staff_userid: staff, channel_id: null, state: null, status: 'active', added_at: today, removed_at: null });
  await siyu.db('customer_follows').insert([follow(a, 'rep1a'), follow(c2, 'rep1b'), follow(c, 'rep2')]);
  const order = (customer_id: number, store_id: number, amount_fen: number, at: number) => ({ customer_id, store_id, source: 'admin', order_no: `o${n++}`, amount_fen, paid_at: at, items: '[]', created_at: at });
  await siyu.db('orders').insert([order(a, stores.s1, 10000, today), order(c2, stores.s1, 5000, today), order(c, stores.s2, 7000, today), order(a, stores.s1, 2000, yesterday)]);
  const touch = (customer_id: number, store_id: number, status: string) => ({ idem_key: `t${n++}`, customer_id, store_id, step_index: 0, kind: 'message', payload: '{}', status, due_at: today, created_at: today, sent_at: status === 'sent' ? today : null });
  await siyu.db('touches').insert([touch(a, stores.s1, 'sent'), touch(c, stores.s2, 'sent'), touch(c2, stores.s1, 'skipped')]);
  const msg = (customer_id: number, at: number, kind = 'message_in') => ({ customer_id, kind, data: '{}', occurred_at: at });
  await siyu.db('customer_events').insert([msg(a, today), msg(a, today), msg(c2, today), msg(a, today, 'message_out'), msg(c, yesterday)]);
  const task = (store_id: number, staff: string, due_at: number, status = 'open') => ({ store_id, staff_userid: staff, kind: 'followup', title: '回访', due_at, status, created_at: 1 });
  await siyu.db('tasks').insert([task(stores.s1, 'rep1a', NOW + 2 * HOUR), task(stores.s1, 'rep1a', NOW + DAY), task(stores.s1, 'rep1b', yesterday), task(stores.s1, 'rep1b', today, 'done'), task(stores.s2, 'rep2', today)]);
  return w;
}

test(`${b} the dashboard counts today and the last 7 days from the real tables, scoped by role and store`, async (t) => {
  const w = await busyWorld(t);
  const hq = await w.as('hq', 'GET', '/dashboard');
  t.is(hq.status, 200, JSON.stringify(hq.json));
  t.is(hq.json.day, '2026-03-10');
  t.deepEqual(hq.json.today, { scans: 4, leads: 2, adds: 3, orders: 3, revenueFen: 22000, touchesSent: 2, replies: 3, tasksDue: 3 });
  t.deepEqual(hq.json.trend.map((d: { day: string }) => d.day), ['2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10']);
  t.like(hq.json.trend[5], { scans: 2, orders: 1, revenueFen: 2000, replies: 1 });
  t.is(hq.json.trend.reduce((s: number, d: { scans: number }) => s + d.scans, 0), 6, 'eight days ago is outside the trend');

  t.deepEqual((await w.as('mgr1', 'GET', '/dashboard')).json.today, { scans: 3, leads: 2, adds: 2, orders: 2, revenueFen: 15000, touchesSent: 1, replies: 3, tasksDue: 2 });
  t.deepEqual((await w.as('rep1a', 'GET', '/dashboard')).json.today, { scans: 3, leads: 1, adds: 1, orders: 1, revenueFen: 10000, touchesSent: 1, replies: 2, tasksDue: 1 });
  const s2 = await w.as('hq', 'GET', `/dashboard?storeId=${w.stores.s2}`);
  t.deepEqual(s2.json.today, { scans: 1, leads: 0, adds: 1, orders: 1, revenueFen: 7000, touchesSent: 1, replies: 0, tasksDue: 1 });
  t.is(s2.json.trend[5].replies, 1);
  t.deepEqual((await w.as('mgr2', 'GET', `/dashboard?storeId=${w.stores.s2}`)).json.today, s2.json.today);
});

test(`${b} stores are listed by scope, and another store's dashboard reads as missing`, async (t) => {
  const w = await mpWorld(t);
  const hq = await w.as('hq', 'GET', '/stores');
  t.is(hq.status, 200);
  t.deepEqual(hq.json.items, [{ id: w.stores.s1, code: 's1', name: 's1店' }, { id: w.stores.s2, code: 's2', name: 's2店' }]);
  t.like(hq.json, { total: 2, limit: 20, offset: 0 });
  t.deepEqual((await w.as('mgr2', 'GET', '/stores')).json.items.map((s: { id: number }) => s.id), [w.stores.s2]);
  t.deepEqual((await w.as('rep1a', 'GET', '/stores')).json.items.map((s: { id: number }) => s.id), [w.stores.s1]);
  for (const [who, q] of [['mgr1', w.stores.s2], ['rep2', w.stores.s1], ['hq', 99999]] as const) {
    const r = await w.as(who, 'GET', `/dashboard?storeId=${q}`);
    t.is(r.status, 404, `${who} ${q}`);
    t.is(r.json.error.code, 'MP.NOT_FOUND');
  }
  t.is((await w.as('hq', 'GET', '/dashboard?storeId=abc')).status, 400);
  t.is((await w.call('GET', '/dashboard')).status, 401);
  t.is((await w.call('GET', '/stores')).status, 401);
});

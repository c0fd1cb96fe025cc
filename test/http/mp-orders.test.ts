import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { backendName } from '../support/backends.js';
import { mpFootprint, mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;
const ids = (r: { json: { items: Array<{ id: number }> } }) => r.json.items.map((i) => i.id).sort((a, b) => a - b);

test(`${b} a rep records an order for their customer: it starts the post-purchase journey, and a retry with the same Idempotency-Key returns it`, async (t) => {
  // An hour after the purchase below: recent enough to start journeys (order-entry.ts).
  const w = await mpWorld(t, { clock: new ManualClock(Date.parse('2026-03-10T07:00:00Z')) });
  await w.siyu.journeys.service.ensureDefaults();
  const a = await w.customer('甲', w.stores.s1, 'rep1a');
  const body = { customerId: a, amountFen: 12800, paidAt: '2026-03-10T14:00:00+08:00', items: [{ name: '拿铁', qty: 2, priceFen: 6400 }], note: '会员日购买' };
  const first = await w.withHeaders('rep1a', 'POST', '/orders', body, { 'idempotency-key': 'k-1' });
  t.is(first.status, 201, JSON.stringify(first.json));
  t.like(first.json, { customerId: a, customerName: '甲', storeId: w.stores.s1, amountFen: 12800, status: 'paid', source: 'admin', paidAt: '2026-03-10T06:00:00.000Z', created: true });
  t.deepEqual(first.json.items, [{ name: '拿铁', qty: 2, priceFen: 6400, sku: '' }]);
  const runs = await w.siyu.db('journey_runs').where({ customer_id: a });
  t.deepEqual(runs.map((r: { trigger_ref: string }) => r.trigger_ref), [`order:${first.json.id}`]);

  const retry = await w.withHeaders('rep1a', 'POST', '/orders', body, { 'idempotency-key': 'k-1' });
  t.is(retry.status, 200);
  t.like(retry.json, { id: first.json.id, orderNo: first.json.orderNo, created: false });
  t.is(Number((await w.siyu.db('orders').count({ n: '*' }))[0]!.n), 1);
  t.is((await w.siyu.db('journey_runs').where({ customer_id: a })).length, 1, 'the journey starts once');
  const conflict = await w.withHeaders('rep1a', 'POST', '/orders', { ...body, amountFen: 1 }, { 'idempotency-key': 'k-1' });
  t.is(conflict.status, 409);
  t.is(conflict.json.error.code, 'MP.IDEMPOTENCY_CONFLICT');
  // The key belongs to the one who sent it: another staff member's k-1 is another order.
  t.is((await w.withHeaders('mgr1', 'POST', '/orders', body, { 'idempotency-key': 'k-1' })).status, 201);
  // Without a key every request is a new order.
  t.is((await w.as('rep1a', 'POST', '/orders', { customerId: a, amountFen: 500 })).status, 201);

  const detail = await w.as('rep1a', 'GET', `/customers/${a}`);
  const notes = detail.json.timeline.filter((e: { kind: string }) => e.kind === 'note_added');
  t.is(notes.length, 2, 'one note per recorded order, none for the retry');
  t.like(notes.find((e: { data: { orderId: number } }) => e.data.orderId === first.json.id), { staffUserId: 'rep1a', data: { text: '会员日购买', by: 'rep1a', orderNo: first.json.orderNo } });
  t.is(detail.json.stage, 'repeat');
});

test(`${b} order lists are scoped: HQ all, a manager their store, a rep their own customers; newest payment first`, async (t) => {
  const w = await mpWorld(t);
  const a = await w.customer('甲', w.stores.s1, 'rep1a');
  const c2 = await w.customer('乙', w.stores.s1, 'rep1b');
  const c = await w.customer('丙', w.stores.s2, 'rep2');
  const o = async (who: Parameters<typeof w.as>[0], customerId: number, paidAt: string) => (await w.as(who, 'POST', '/orders', { customerId, amountFen: 1000, paidAt })).json.id as number;
  const oa = await o('rep1a', a, '2026-03-01T10:00:00+08:00');
  const ob = await o('mgr1', c2, '2026-03-02T10:00:00+08:00');
  const oc = await o('hq', c, '2026-03-03T10:00:00+08:00');
  const all = await w.as('hq', 'GET', '/orders');
  t.deepEqual(all.json.items.map((x: { id: number }) => x.id), [oc, ob, oa]);
  t.like(all.json, { total: 3, limit: 20, offset: 0 });
  t.deepEqual(ids(await w.as('mgr1', 'GET', '/orders')), [oa, ob].sort((x, y) => x - y));
  t.deepEqual(ids(await w.as('rep1a', 'GET', '/orders')), [oa]);
  t.deepEqual(ids(await w.as('mgr1', 'GET', `/orders?customerId=${c2}`)), [ob]);
  t.deepEqual(ids(await w.as('hq', 'GET', `/orders?storeId=${w.stores.s2}`)), [oc]);
  const paged = await w.as('hq', 'GET', '/orders?limit=1&offset=1');
  t.deepEqual(paged.json.items.map((x: { id: number }) => x.id), [ob]);
});

test(`${b} orders refuse customers of another store or rep (404) and bad input (400), writing nothing`, async (t) => {
  const w = await mpWorld(t);
  await w.siyu.journeys.service.ensureDefaults();
  const a = await w.customer('甲', w.stores.s1, 'rep1a');
  const before = await mpFootprint(w.siyu);
  const cases: Array<[Parameters<typeof w.as>[0], string, string, unknown, number, string]> = [
    ['rep1b', 'POST', '/orders', { customerId: a, amountFen: 100 }, 404, 'MP.NOT_FOUND'],
    ['mgr2', 'POST', '/orders', { customerId: a, amountFen: 100 }, 404, 'MP.NOT_FOUND'],
    ['rep2', 'POST', '/orders', { customerId: a, amountFen: 100 }, 404, 'MP.NOT_FOUND'],
    ['hq', 'POST', '/orders', { customerId: 99999999, amountFen: 100 }, 404, 'MP.NOT_FOUND'],
    ['mgr2', 'GET', `/orders?customerId=${a}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep1b', 'GET', `/orders?customerId=${a}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'GET', `/orders?storeId=${w.stores.s2}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep1a', 'POST', '/orders', { customerId: a, amountFen: 0 }, 400, 'REQUEST.INVALID'],
    ['rep1a', 'POST', '/orders', { customerId: a, amountFen: 1.5 }, 400, 'REQUEST.INVALID'],
    ['rep1a', 'POST', '/orders', { customerId: a, amountFen: 100, paidAt: '昨天' }, 400, 'REQUEST.INVALID'],
    ['rep1a', 'POST', '/orders', { customerId: a, amountFen: 100, items: [{ name: '拿铁', qty: 0, priceFen: 1 }] }, 400, 'REQUEST.INVALID'],
    ['rep1a', 'POST', '/orders', { customerId: a, amountFen: 100, storeId: 1 }, 400, 'REQUEST.INVALID'],
    ['rep1a', 'GET', '/orders?limit=500', undefined, 400, 'REQUEST.INVALID'],
  ];
  for (const [who, method, path, body, status, code] of cases) {
    const r = await w.as(who, method, path, body);
    t.is(r.status, status, `${who} ${method} ${path} ${JSON.stringify(body)}`);
    t.is(r.json.error.code, code, `${who} ${method} ${path} ${JSON.stringify(body)}`);
  }
  const badKey = await w.withHeaders('rep1a', 'POST', '/orders', { customerId: a, amountFen: 100 }, { 'idempotency-key': 'x'.repeat(200) });
  t.is(badKey.status, 400);
  t.deepEqual(ids(await w.as('mgr2', 'GET', '/orders')), []);
  t.deepEqual(await mpFootprint(w.siyu), before);
});

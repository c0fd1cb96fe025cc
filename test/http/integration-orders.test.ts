import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { orderFootprint, posClient, purchases } from '../support/orders.js';

const b = `[${backendName}]`;

async function source(siyu: Siyu, key = 'mall01') {
  const r = await admin(siyu).post('/api/order-sources', { key, name: '万达商城' });
  return r.json as { key: string; secret: string };
}

const order = (orderNo: string, extra: Record<string, unknown> = {}) => ({ orderNo, amountFen: 8800, paidAt: '2026-05-01T20:00:00+08:00', customer: { phone: '138 0000 0009', name: '赵六' }, items: [{ sku: 'K1', name: '月饼礼盒', qty: 1, priceFen: 8800 }], ...extra });

test(`${b} a source's secret is shown once; the list never shows it`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const created = await api.post('/api/order-sources', { key: 'pos-a', name: '门店收银' });
  t.is(created.status, 201);
  t.regex(created.json.secret, /^[0-9a-f]{64}$/);
  const list = await api.get('/api/order-sources');
  t.deepEqual(list.json.items.map((s: { key: string }) => s.key), ['pos-a']);
  t.false(JSON.stringify(list.json).includes(created.json.secret));
  t.false(JSON.stringify(await siyu.db('order_sources').select()).includes(created.json.secret), 'stored sealed');
  t.is((await api.post('/api/order-sources', { key: 'pos-a', name: '又一个' })).status, 409);
});

test(`${b} a signed order creates the customer by phone, and the same order again answers with it and changes nothing`, async (t) => {
  const siyu = await startApp(t);
  const { key, secret } = await source(siyu);
  const pos = posClient(siyu, key, secret);
  const first = await pos(order('P-100'));
  t.is(first.status, 201, JSON.stringify(first.json));
  t.like(first.json, { created: true, order: { source: 'pos:mall01', orderNo: 'P-100', amountFen: 8800 } });
  const c = await siyu.db('customers').where({ id: first.json.order.customerId }).first();
  t.is(c.name, '赵六');
  t.is(c.phone_tail, '0009');
  t.like(await purchases(siyu, c.id), { orderCount: 1, totalSpentFen: 8800, stage: 'new' });

  const before = await orderFootprint(siyu);
  const again = await pos(order('P-100'));
  t.is(again.status, 200);
  t.like(again.json, { created: false, order: { id: first.json.order.id, amountFen: 8800 } });
  t.deepEqual(await orderFootprint(siyu), before);

  // Another order of the same phone finds the same customer.
  const second = await pos(order('P-101', { customer: { phone: '+8613800000009' } }));
  t.is(second.json.order.customerId, c.id);
  t.like(await purchases(siyu, c.id), { orderCount: 2, totalSpentFen: 17600, stage: 'repeat' });
});

test(`${b} the same order number with another amount, paid time or items is a 409 ORDER.CONFLICT and changes nothing (a correction is never silently lost)`, async (t) => {
  const siyu = await startApp(t);
  const { key, secret } = await source(siyu);
  const pos = posClient(siyu, key, secret);
  const first = await pos(order('P-200'));
  t.is(first.status, 201, JSON.stringify(first.json));
  const before = await orderFootprint(siyu);
  const totals = await purchases(siyu, first.json.order.customerId);

  for (const change of [{ amountFen: 7800 }, { paidAt: '2026-05-01T21:00:00+08:00' }, { items: [{ sku: 'K2', name: '月饼礼盒', qty: 1, priceFen: 8800 }] }]) {
    const corrected = await pos(order('P-200', change));
    t.is(corrected.status, 409, JSON.stringify(change));
    t.is(corrected.json.error.code, 'ORDER.CONFLICT');
    t.regex(corrected.json.error.message, /订单号 P-200 已记录.*(金额|支付时间|商品明细).*未作改动/);
    t.like(corrected.json.error.details, { orderNo: 'P-200', recorded: { amountFen: 8800 } });
  }
  t.deepEqual((await pos(order('P-200', { amountFen: 1 }))).json.error.details.fields, ['amountFen']);
  t.deepEqual(await orderFootprint(siyu), before);
  t.deepEqual(await purchases(siyu, first.json.order.customerId), totals);
  t.like((await siyu.db('orders').where({ order_no: 'P-200' }).first()), { amount_fen: 8800 });

  // The identical retry is still a 200 with the recorded order.
  const retry = await pos(order('P-200'));
  t.is(retry.status, 200);
  t.like(retry.json, { created: false, order: { id: first.json.order.id } });
});

test(`${b} stale, forged, replayed, unknown-source and inactive-source requests are refused and write nothing`, async (t) => {
  const siyu = await startApp(t);
  const { key, secret } = await source(siyu);
  const pos = posClient(siyu, key, secret);
  const now = Math.floor(Date.now() / 1000);
  const before = await orderFootprint(siyu);

  // Well past the 5-minute window on both sides: a slow run must not bring +301 s back inside it.
  t.is((await pos(order('X1'), { timestamp: now - 400 })).status, 401);
  t.is((await pos(order('X1'), { timestamp: now + 400 })).status, 401);
  const forged = await pos(order('X1'), { signature: 'ab'.repeat(32) });
  t.is(forged.status, 401);
  t.is(forged.json.error.code, 'ORDER.BAD_SIGNATURE');
  // The signature of one body does not carry over to another.
  const signed = await pos(order('X2'), { nonce: 'nonce-for-tamper-1' });
  t.is(signed.status, 201);
  const tampered = await pos(undefined, { nonce: 'nonce-for-tamper-2', signature: signed.signature, timestamp: Number(signed.timestamp), rawBody: signed.raw.replace('8800', '1') });
  t.is(tampered.status, 401);
  t.is((await posClient(siyu, key, 'f'.repeat(64))(order('X1'))).status, 401, 'a wrong secret');
  t.is((await pos(order('X1'), { source: 'nosuch' })).status, 401);
  t.is((await pos(order('X1'), { nonce: 'short' })).status, 401);
  const afterOne = await orderFootprint(siyu);

  const replay = await pos(order('X2'), { nonce: 'nonce-for-tamper-1', timestamp: Number(signed.timestamp) });
  t.is(replay.status, 409);
  t.is(replay.json.error.code, 'ORDER.REPLAY');
  const replayNew = await pos(order('X3'), { nonce: 'nonce-for-tamper-1' });
  t.is(replayNew.status, 409, 'a used nonce is refused even for another order');

  t.is((await admin(siyu).call('PATCH', `/api/order-sources/${key}`, { active: false })).status, 200);
  const inactive = await pos(order('X4'));
  t.is(inactive.status, 401);
  t.is(inactive.json.error.code, 'ORDER.UNKNOWN_SOURCE');
  t.deepEqual(await orderFootprint(siyu), afterOne);
  t.is(afterOne.orders, before.orders + 1, 'only the one good request wrote');
});

test(`${b} a signed order needs a customer identity and a sane body; externalUserId finds a WeCom contact`, async (t) => {
  const siyu = await startApp(t);
  const { key, secret } = await source(siyu);
  const pos = posClient(siyu, key, secret);
  const before = await orderFootprint(siyu);
  t.is((await pos(order('B1', { customer: { name: '无名' } }))).status, 400);
  t.is((await pos(order('B1', { amountFen: -5 }))).status, 400);
  t.is((await pos(order('B1', { paidAt: '2026-05-01' }))).status, 400);
  t.is((await pos(order('B1', { customer: { phone: '12345' } }))).status, 400);
  t.is((await pos(undefined, { rawBody: '{not json' })).status, 400);
  t.deepEqual(await orderFootprint(siyu), before);

  const now = Date.now();
  const [cid] = await siyu.db('customers').insert({ name: '企微客户', stage: 'new', created_at: now, updated_at: now });
  await siyu.db('customer_identities').insert({ customer_id: cid, kind: 'wecom_external', scope: siyu.config.wecom.corpId, value: 'wmEXT001', created_at: now });
  const r = await pos(order('B2', { customer: { externalUserId: 'wmEXT001' } }));
  t.is(r.status, 201);
  t.is(r.json.order.customerId, Number(cid));
});

import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { OrderService } from '../../src/domain/order/order.service.js';
import type { PaidOrder } from '../../src/domain/order/order.types.js';
import { TagService } from '../../src/domain/tag/tag.service.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqlOrderRepo, orderTransactor } from '../../src/persistence/order.repo.js';
import { SqlTagRepo } from '../../src/persistence/tag.repo.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { orderFootprint, purchases } from '../support/orders.js';
import { IdentityService } from '../../src/domain/customer/identity.service.js';
import { customerTransactor } from '../../src/persistence/customer.repo.js';

const b = `[${backendName}]`;

async function customer(siyu: Siyu, o: { stage?: string; firstChannelId?: number | null } = {}) {
  const now = Date.now();
  const [id] = await siyu.db('customers').insert({ name: '王五', stage: o.stage ?? 'lead', first_channel_id: o.firstChannelId ?? null, created_at: now, updated_at: now });
  return Number(id);
}

async function tagsOf(siyu: Siyu, customerId: number) {
  return (await siyu.db('tags as t').join('customer_tags as ct', 'ct.tag_id', 't.id').where('ct.customer_id', customerId).select('t.group_name', 't.name')).map((r: { group_name: string; name: string }) => `${r.group_name}/${r.name}`);
}

test(`${b} an operator's order updates the customer's aggregates, stage, 已购买 tag and timeline; a repeat changes nothing`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const id = await customer(siyu);
  t.is((await purchases(siyu, id)).stage, 'lead');

  const first = await api.post('/api/orders', { customerId: id, orderNo: 'M-1', amountFen: 12_50, paidAt: '2026-03-01T10:00:00+08:00', items: [{ sku: 'S1', name: '咖啡豆', qty: 1, priceFen: 12_50 }] });
  t.is(first.status, 201, first.text);
  t.like(first.json, { created: true, order: { source: 'admin', orderNo: 'M-1', amountFen: 1250, customerId: id, status: 'paid', paidAt: '2026-03-01T02:00:00.000Z' } });
  t.deepEqual(await purchases(siyu, id), { orderCount: 1, totalSpentFen: 1250, firstPurchaseAt: Date.parse('2026-03-01T02:00:00Z'), lastPurchaseAt: Date.parse('2026-03-01T02:00:00Z'), stage: 'new' });
  t.deepEqual(await tagsOf(siyu, id), ['客户行为/已购买']);

  const before = await orderFootprint(siyu);
  const again = await api.post('/api/orders', { customerId: id, orderNo: 'M-1', amountFen: 12_50 });
  t.is(again.status, 200);
  t.like(again.json, { created: false, order: { id: first.json.order.id, amountFen: 1250 } });
  const changed = await api.post('/api/orders', { customerId: id, orderNo: 'M-1', amountFen: 99_00 });
  t.is(changed.status, 409);
  t.is(changed.json.error.code, 'ORDER.CONFLICT');
  t.deepEqual(await orderFootprint(siyu), before);
  t.is((await purchases(siyu, id)).orderCount, 1);

  // An older order (entered late) keeps the last purchase; an earlier one moves the first.
  const older = await api.post('/api/orders', { customerId: id, amountFen: 100, paidAt: '2026-02-01T10:00:00+08:00' });
  t.is(older.status, 201);
  t.regex(older.json.order.orderNo, /^A[A-Z0-9]{15}$/, 'an order number is generated');
  t.deepEqual(await purchases(siyu, id), { orderCount: 2, totalSpentFen: 1350, firstPurchaseAt: Date.parse('2026-02-01T02:00:00Z'), lastPurchaseAt: Date.parse('2026-03-01T02:00:00Z'), stage: 'repeat' });
  t.deepEqual(await tagsOf(siyu, id), ['客户行为/已购买'], 'the tag is added once');

  const view = await api.get(`/api/customers/${id}`);
  const paid = view.json.timeline.filter((e: { kind: string }) => e.kind === 'order_paid');
  t.deepEqual(paid.map((e: { data: { orderNo: string; amountFen: number } }) => [e.data.orderNo, e.data.amountFen]), [['M-1', 1250], [older.json.order.orderNo, 100]]);

  const list = await api.get(`/api/orders?customerId=${id}`);
  t.is(list.json.total, 2);
  t.deepEqual(list.json.items.map((o: { orderNo: string }) => o.orderNo), ['M-1', older.json.order.orderNo], 'newest payment first');
  const window = await api.get(`/api/orders?from=${encodeURIComponent('2026-02-15T00:00:00+08:00')}&to=${encodeURIComponent('2026-04-01T00:00:00+08:00')}`);
  t.deepEqual(window.json.items.map((o: { orderNo: string }) => o.orderNo), ['M-1']);
});

test(`${b} a dormant customer who buys is reactivated; orders record the customer's first channel`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = await api.post('/api/channels', { name: '柜台', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎' });
  const id = await customer(siyu, { stage: 'dormant', firstChannelId: ch.json.id });
  const r = await api.post('/api/orders', { customerId: id, amountFen: 500 });
  t.is(r.status, 201);
  t.is(r.json.order.channelId, ch.json.id);
  t.is((await purchases(siyu, id)).stage, 'reactivated');
  await api.post('/api/orders', { customerId: id, amountFen: 500 });
  t.is((await purchases(siyu, id)).stage, 'repeat');
});

test(`${b} an order for an unknown customer or store, or with a bad amount, is refused and writes nothing`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const id = await customer(siyu);
  const before = await orderFootprint(siyu);
  t.is((await api.post('/api/orders', { customerId: 999999, amountFen: 100 })).status, 404);
  t.is((await api.post('/api/orders', { customerId: id, amountFen: 0 })).status, 400);
  t.is((await api.post('/api/orders', { customerId: id, amountFen: 1.5 })).status, 400);
  t.is((await api.post('/api/orders', { customerId: id, amountFen: 100, paidAt: '2026-03-01 10:00' })).status, 400);
  t.is((await api.post('/api/orders', { customerId: id, amountFen: 100, storeId: 4242 })).status, 400);
  t.deepEqual(await orderFootprint(siyu), before);
  t.is((await fetch(`${siyu.url}/api/orders`, { method: 'POST', body: '{}' })).status, 401, 'operator entry needs the admin key');
});

test(`${b} the onPaid hook hears each new order once after commit, and its failure does not fail the order`, async (t) => {
  const siyu = await startApp(t);
  const heard: PaidOrder[] = [];
  const log = createLogger({ level: 'silent' });
  const store = new SqlOrderRepo(siyu.db);
  const make = (onPaid: (o: PaidOrder) => Promise<void>) =>
    new OrderService({
      tx: orderTransactor(siyu.db),
      people: new IdentityService({ tx: customerTransactor(siyu.db), clock: siyu.clock, log }),
      orders: store,
      sources: store,
      tags: new TagService({ tags: new SqlTagRepo(siyu.db), corpTags: { ensureCorpTags: async () => new Map() }, log }),
      pii: new PiiCipher(siyu.config.piiKey),
      nonces: { spend: async () => true },
      storeExists: async () => false,
      corpId: siyu.config.wecom.corpId,
      clock: siyu.clock,
      log,
      onPaid,
    });
  const id = await customer(siyu);
  const listening = make(async (o) => {
    // Committed already: the order is visible outside the transaction.
    t.truthy(await siyu.db('orders').where({ id: o.id }).first());
    heard.push(o);
  });
  const r = await listening.recordByOperator({ customerId: id, orderNo: 'H1', amountFen: 300, paidAt: Date.UTC(2026, 0, 1) });
  await listening.recordByOperator({ customerId: id, orderNo: 'H1', amountFen: 300 });
  t.deepEqual(heard, [{ id: r.order.id, customerId: id, storeId: null, amountFen: 300, paidAt: Date.UTC(2026, 0, 1), source: 'admin', orderNo: 'H1', imported: false }]);

  const failing = make(async () => {
    throw new Error('journey down');
  });
  const r2 = await failing.recordByOperator({ customerId: id, orderNo: 'H2', amountFen: 200 });
  t.true(r2.created);
  t.is((await purchases(siyu, id)).orderCount, 2);
});

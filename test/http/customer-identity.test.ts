import test from 'ava';
import { IdentityService, type PersonClaim } from '../../src/domain/customer/identity.service.js';
import type { Siyu } from '../../src/main/compose.js';
import { createLogger } from '../../src/shared/logger.js';
import { customerTransactor } from '../../src/persistence/customer.repo.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { posClient } from '../support/orders.js';
import { fakeWechatPay } from '../support/wechatpay.js';

const b = `[${backendName}]`;
const APPID = 'wx0000000000000001';

async function world(t: Parameters<typeof startApp>[0], overrides?: Record<string, unknown>) {
  const siyu = await startApp(t, overrides ? { overrides } : {});
  const api = admin(siyu);
  const store = await api.post('/api/stores', { code: 'sh-01', name: '上海一店' });
  t.is(store.status, 201, store.text);
  const ch = await api.post('/api/channels', { name: '门店海报', kind: 'poster', staffUserIds: ['rep001'], storeId: store.json.id, welcomeText: '您好' });
  t.is(ch.status, 201, ch.text);
  const src = await api.post('/api/order-sources', { key: 'mall01', name: '小程序商城' });
  return { siyu, storeId: store.json.id as number, channel: ch.json as { id: number; configId: string }, pos: posClient(siyu, src.json.key, src.json.secret) };
}

const order = (orderNo: string, customer: Record<string, unknown>) => ({ orderNo, amountFen: 1000, paidAt: '2026-05-01T20:00:00+08:00', customer });
const count = async (siyu: Siyu, table: string) => Number((await siyu.db(table).count({ n: '*' }))[0]!.n);
const identitiesOf = async (siyu: Siyu, customerId: number) =>
  (await siyu.db('customer_identities').where({ customer_id: customerId }).select('kind')).map((r: { kind: string }) => r.kind).sort();

test(`${b} a WeChat Pay payer whose openid a mall order attached joins the WeCom customer, with its store and owner`, async (t) => {
  const pay = fakeWechatPay();
  const { siyu, storeId, channel, pos } = await world(t, pay.config);
  const scan = await siyu.emulator!.customerScans(channel.configId, { name: '李四', unionid: 'u-lisi' });
  await siyu.processor.drain();
  const id = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;

  // The mall knows the buyer by unionid and their openid in its mini-program.
  const mall = await pos(order('M-1', { unionid: 'u-lisi', mpOpenid: { appid: APPID, openid: 'oLisi' } }));
  t.is(mall.status, 201, JSON.stringify(mall.json));
  t.is(mall.json.order.customerId, id);
  t.deepEqual(await identitiesOf(siyu, id), ['mp_openid', 'unionid', 'wecom_external']);

  const body = pay.body(pay.transaction({ outTradeNo: 'WX-1', openid: 'oLisi', total: 990, appid: APPID }));
  const paid = await fetch(`${siyu.url}/wechatpay/notify`, { method: 'POST', headers: pay.headers(body), body });
  t.is(paid.status, 204, await paid.text());
  const o = await siyu.db('orders').where({ source: 'wxpay', order_no: 'WX-1' }).first();
  t.is(Number(o.customer_id), id, 'the payment lands on the WeCom customer');
  t.is(Number(o.store_id), storeId, "the order takes the customer's store");
  t.is(await count(siyu, 'customers'), 1);
  const c = await siyu.db('customers').where({ id }).first();
  t.like({ storeId: Number(c.store_id), owner: c.owner_userid, name: c.name }, { storeId, owner: scan.userid, name: '李四' });
});

test(`${b} an order carrying several identities attaches all of them to the customer it finds`, async (t) => {
  const { siyu, pos } = await world(t);
  const scan = await siyu.emulator!.customerScans((await admin(siyu).get('/api/channels')).json.items[0].configId, { name: '王五' });
  await siyu.processor.drain();
  const id = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;

  const r = await pos(order('M-2', { externalUserId: scan.externalUserId, unionid: 'u-wangwu', phone: '13800000007', name: '王先生' }));
  t.is(r.json.order.customerId, id);
  t.deepEqual(await identitiesOf(siyu, id), ['phone_hash', 'unionid', 'wecom_external']);
  const c = await siyu.db('customers').where({ id }).first();
  t.is(c.name, '王五', "an order's name does not replace the WeChat one");

  // Either identity alone now finds them.
  t.is((await pos(order('M-3', { phone: '13800000007' }))).json.order.customerId, id);
  t.is((await pos(order('M-4', { unionid: 'u-wangwu' }))).json.order.customerId, id);
  t.is(await count(siyu, 'customers'), 1);
});

test(`${b} orders of one new person started at once, with different identities, make one customer holding all of them`, async (t) => {
  const { siyu, pos } = await world(t);
  const results = await Promise.all([
    // The phone is what every one of them carries; the rest varies.
    pos(order('R-1', { unionid: 'u-race', phone: '13900000001' })),
    pos(order('R-2', { phone: '13900000001', mpOpenid: { appid: APPID, openid: 'oRace' } })),
    pos(order('R-3', { mpOpenid: { appid: APPID, openid: 'oRace' }, unionid: 'u-race', phone: '13900000001' })),
    pos(order('R-4', { phone: '13900000001' })),
  ]);
  for (const r of results) t.is(r.status, 201, JSON.stringify(r.json));
  const ids = new Set(results.map((r) => r.json.order.customerId));
  t.is(ids.size, 1, 'one customer');
  t.is(await count(siyu, 'customers'), 1);
  t.deepEqual(await identitiesOf(siyu, [...ids][0]), ['mp_openid', 'phone_hash', 'unionid']);
});

test(`${b} a WeCom add and a mall order racing for one new person make one customer with the rep, the store and every identity`, async (t) => {
  const { siyu, storeId, channel, pos } = await world(t);
  const [mall, scan] = await Promise.all([
    pos(order('R-9', { unionid: 'u-zhou', phone: '13900000009' })),
    (async () => {
      const s = await siyu.emulator!.customerScans(channel.configId, { name: '周九', unionid: 'u-zhou' });
      await siyu.processor.drain();
      return s;
    })(),
  ]);
  t.is(mall.status, 201, JSON.stringify(mall.json));
  const id = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;
  t.is(mall.json.order.customerId, id);
  t.is(await count(siyu, 'customers'), 1);
  t.deepEqual(await identitiesOf(siyu, id), ['phone_hash', 'unionid', 'wecom_external']);
  const c = await siyu.db('customers').where({ id }).first();
  t.like({ name: c.name, owner: c.owner_userid, storeId: Number(c.store_id) }, { name: '周九', owner: scan.userid, storeId });
});

test(`${b} entry points claiming one new person at once, each knowing some of their identities, make one customer`, async (t) => {
  const siyu = await startApp(t);
  const people = new IdentityService({ tx: customerTransactor(siyu.db), clock: siyu.clock, log: createLogger({ level: 'silent' }) });
  const ext = { kind: 'wecom_external' as const, scope: siyu.config.wecom.corpId, value: 'wmRace' };
  const union = { kind: 'unionid' as const, scope: '', value: 'u-many' };
  const phone = { kind: 'phone_hash' as const, scope: '', value: 'hash-many' };
  const bot = { kind: 'bot_contact' as const, scope: 'bot1', value: 'contact-many' };
  // Every entry point knows the external id (the one thing they share) and some other identities.
  const claims: PersonClaim[] = [
    { identities: [ext, union], facts: { name: { value: '小周', source: 'wechat' }, ownerUserId: 'rep001' } },
    { identities: [bot, ext], facts: { name: { value: '小周', source: 'wechat' } } },
    { identities: [phone, ext], facts: { name: { value: '周九', source: 'typed' } } },
    { identities: [union, phone, ext], facts: {} },
    { identities: [phone, bot, ext], facts: {} },
    { identities: [ext, union, phone, bot], facts: { avatar: 'https://wx.qlogo.cn/zhou.png' } },
  ];
  // The batch form joins in too, inside a transaction of its own, as the callback processor's does.
  const batch = customerTransactor(siyu.db).transaction(({ customers }) => people.resolveMany(customers, [claims[0]!, claims[3]!], siyu.clock.now()));
  const [batched, ...single] = await Promise.all([batch, ...claims.map((c) => people.resolveOne(c))]);
  const ids = new Set([...batched!, ...single].map((r) => r.customer.id));
  t.is(ids.size, 1, 'every claim ends on one customer');
  t.is(await count(siyu, 'customers'), 1, 'the losers of the race left no customer behind');
  const id = [...ids][0]!;
  t.deepEqual(await identitiesOf(siyu, id), ['bot_contact', 'phone_hash', 'unionid', 'wecom_external']);
  const c = await siyu.db('customers').where({ id }).first();
  t.is(c.name, '周九', 'the typed name wins whatever order the claims landed in');
  t.like({ owner: c.owner_userid, avatar: c.avatar }, { owner: 'rep001', avatar: 'https://wx.qlogo.cn/zhou.png' });
});

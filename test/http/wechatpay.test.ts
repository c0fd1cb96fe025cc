import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { orderFootprint, purchases } from '../support/orders.js';
import { fakeWechatPay } from '../support/wechatpay.js';

const b = `[${backendName}]`;

async function notify(siyu: Siyu, body: string, headers: Record<string, string>) {
  const res = await fetch(`${siyu.url}/wechatpay/notify`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

test(`${b} a verified payment notification records the order once for the payer's openid`, async (t) => {
  const pay = fakeWechatPay();
  const siyu = await startApp(t, { overrides: pay.config });
  const body = pay.body(pay.transaction({ outTradeNo: 'WX-1', openid: 'oPayer1', total: 2990 }));
  const r = await notify(siyu, body, pay.headers(body));
  t.is(r.status, 204, r.text);
  t.is(r.text, '');
  const o = await siyu.db('orders').where({ source: 'wxpay', order_no: 'WX-1' }).first();
  t.is(Number(o.amount_fen), 2990);
  t.is(Number(o.paid_at), Date.parse('2024-01-01T04:00:00Z'));
  const ident = await siyu.db('customer_identities').where({ kind: 'mp_openid', scope: 'wx0000000000000001', value: 'oPayer1' }).first();
  t.is(Number(ident.customer_id), Number(o.customer_id));
  t.like(await purchases(siyu, Number(o.customer_id)), { orderCount: 1, totalSpentFen: 2990, stage: 'new' });

  // WeChat Pay retries: a new delivery (new signature and nonce) of the same payment changes nothing.
  const before = await orderFootprint(siyu);
  const again = pay.body(pay.transaction({ outTradeNo: 'WX-1', openid: 'oPayer1', total: 2990 }));
  t.is((await notify(siyu, again, pay.headers(again))).status, 204);
  t.deepEqual(await orderFootprint(siyu), before);

  // The same payer again: the same customer, now a repeat buyer.
  const next = pay.body(pay.transaction({ outTradeNo: 'WX-2', openid: 'oPayer1', total: 10 }));
  t.is((await notify(siyu, next, pay.headers(next))).status, 204);
  t.like(await purchases(siyu, Number(o.customer_id)), { orderCount: 2, totalSpentFen: 3000, stage: 'repeat' });
});

test(`${b} tampered, unknown-serial, stale and probe notifications get FAIL with 4xx and write nothing`, async (t) => {
  const pay = fakeWechatPay();
  const siyu = await startApp(t, { overrides: pay.config });
  const body = pay.body(pay.transaction({ outTradeNo: 'WX-9', openid: 'oPayer9', total: 100 }));
  const before = await orderFootprint(siyu);
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, string, Record<string, string>]> = [
    ['tampered body', body.replace('支付成功', '支付成功!'), pay.headers(body)],
    ['wrong serial', body, pay.headers(body, { serial: 'PUB_KEY_ID_0114232134912410000000000000' })],
    ['stale timestamp', body, pay.headers(body, { timestamp: now - 300 })],
    ['probe signature', body, pay.headers(body, { signature: 'WECHATPAY/SIGNTEST/ZmFrZQ==' })],
    ['missing signature', body, { ...pay.headers(body), 'wechatpay-signature': '' }],
  ];
  for (const [name, b2, h] of cases) {
    const r = await notify(siyu, b2, h);
    t.is(r.status, 401, name);
    t.is(r.json.code, 'FAIL', name);
    t.is(typeof r.json.message, 'string', name);
  }
  t.deepEqual(await orderFootprint(siyu), before);
});

test(`${b} an undecryptable resource is a 500 FAIL so WeChat Pay retries; other events are acknowledged and ignored`, async (t) => {
  const pay = fakeWechatPay();
  const siyu = await startApp(t, { overrides: { wechatPay: { ...pay.config.wechatPay, apiV3Key: 'x'.repeat(32) } } });
  const body = pay.body(pay.transaction({ outTradeNo: 'WX-5', openid: 'o5', total: 100 }));
  const r = await notify(siyu, body, pay.headers(body));
  t.is(r.status, 500);
  t.is(r.json.code, 'FAIL');

  const pay2 = fakeWechatPay();
  const siyu2 = await startApp(t, { overrides: pay2.config });
  const before = await orderFootprint(siyu2);
  const closed = pay2.body(pay2.transaction({ outTradeNo: 'WX-6', openid: 'o6', total: 100, tradeState: 'CLOSED' }));
  t.is((await notify(siyu2, closed, pay2.headers(closed))).status, 204);
  const refund = pay2.body(pay2.transaction({ outTradeNo: 'WX-7', openid: 'o7', total: 100 }), 'REFUND.SUCCESS');
  t.is((await notify(siyu2, refund, pay2.headers(refund))).status, 204);
  t.deepEqual(await orderFootprint(siyu2), before);
});

test(`${b} without WeChat Pay configured, notifications are answered 503 FAIL`, async (t) => {
  const pay = fakeWechatPay();
  const siyu = await startApp(t);
  const body = pay.body(pay.transaction({ outTradeNo: 'WX-8', openid: 'o8', total: 100 }));
  const r = await notify(siyu, body, pay.headers(body));
  t.is(r.status, 503);
  t.is(r.json.code, 'FAIL');
});

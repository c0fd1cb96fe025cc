import test from 'ava';
import { createPublicKey } from 'node:crypto';
import { decryptPayResource, PayNotifyError, verifyPaySignature, WechatPayNotify } from '../../../src/integrations/wechat/pay-notify.js';
import { fakeWechatPay } from '../../support/wechatpay.js';

// wecom-protocol.md §8.3, vector S5.
const S5 = {
  key: '0123456789abcdef0123456789abcdef',
  nonce: '0123456789ab',
  associated_data: 'transaction',
  ciphertext:
    '4ouKWSuj/DnPJxKEgzRMF3K25P415EgKVP+mfevCu95ST1dJwsIV9VDeT1H7uVvuj06wis1kDXsHrZMsaSZ69kKcLDjYqqnf0KB9riN4YxD8yzOkMbYKoHMz3qX7TCT5Ty16C0IaIdIJQ24F7qZEzpWBPWTWA9JZpp7gMdSQhn6uweSM5Xs9N2E0LBBECfe3YLOac8JdyOwlQrmzY9+6UZf3hEtEj8635jrsYzMsLJKi2WwTsmaz/CoSI+P2hqTMfDlfm98f/0Q5XlYlp8omj0SBteacZvWYKbv7RLq/ZAcsabWzIs5e8arNQVQZOFxTY+Y6YISGLGhtZ/CZ6OQxwgX35wXgUZLRlVxZ6K5Tyi6zE1zDPx0g/3oHOXhzu4406LC6ABkVnCNRxjXxXxYE2LlIC/w9iDoX7KKBcq3Ke46sZsyNPiHL3s1iD6hRFMYjqhnvfcOOiTqWHauFHArtE8WdlLtTa3IHG2UBxMM9zHnuPNBNmDdq0OSeHKq/R7eWQ0MzuOJqYNOqBNsa097vstQ=',
  plain:
    '{"mchid":"1900000001","appid":"wx0000000000000001","out_trade_no":"T1001","transaction_id":"4200000000000000000000000001","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:00+08:00","payer":{"openid":"oTEST"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}',
};

test('the resource of vector S5 decrypts to its plaintext', (t) => {
  t.is(decryptPayResource(S5, S5.key), S5.plain);
});

test('a flipped ciphertext byte, another associated data or another key does not decrypt', (t) => {
  const raw = Buffer.from(S5.ciphertext, 'base64');
  raw[10] = raw[10]! ^ 1;
  t.throws(() => decryptPayResource({ ...S5, ciphertext: raw.toString('base64') }, S5.key));
  t.throws(() => decryptPayResource({ ...S5, associated_data: 'refund' }, S5.key));
  t.throws(() => decryptPayResource(S5, 'fedcba9876543210fedcba9876543210'));
});

test('a signature verifies only over the exact body, and probe signatures never do', (t) => {
  const pay = fakeWechatPay();
  const body = pay.body(pay.transaction({ outTradeNo: 'T1', openid: 'o1', total: 100 }));
  const h = pay.headers(body);
  const hh = { serial: h['wechatpay-serial'], signature: h['wechatpay-signature'], timestamp: h['wechatpay-timestamp'], nonce: h['wechatpay-nonce'] };
  const key = createPublicKey(pay.publicPem);
  t.true(verifyPaySignature(hh, Buffer.from(body), key));
  t.false(verifyPaySignature(hh, Buffer.from(body.replace('支付成功', '支付失败')), key));
  t.false(verifyPaySignature({ ...hh, nonce: 'other' }, Buffer.from(body), key));
  t.false(verifyPaySignature({ ...hh, signature: `WECHATPAY/SIGNTEST/${hh.signature}` }, Buffer.from(body), key));
});

test('a notification is opened only when fresh, from a known serial and signed; then it decrypts', (t) => {
  const pay = fakeWechatPay();
  const now = Math.floor(Date.now() / 1000);
  const notify = new WechatPayNotify({ platformKeys: { [pay.serial]: pay.publicPem }, apiV3Key: pay.apiV3Key, nowSec: () => now });
  const body = pay.body(pay.transaction({ outTradeNo: 'T9', openid: 'oX', total: 990 }));
  const open = (h: Record<string, string>, b = body) => notify.open({ serial: h['wechatpay-serial']!, signature: h['wechatpay-signature']!, timestamp: h['wechatpay-timestamp']!, nonce: h['wechatpay-nonce']! }, Buffer.from(b));
  const n = open(pay.headers(body, { timestamp: now }));
  t.is(n.eventType, 'TRANSACTION.SUCCESS');
  t.like(n.transaction, { out_trade_no: 'T9', payer: { openid: 'oX' }, amount: { total: 990 } });
  const reason = (f: () => unknown) => (t.throws(f, { instanceOf: PayNotifyError }) as PayNotifyError).reason;
  t.is(reason(() => open(pay.headers(body, { timestamp: now - 300 }))), 'stale');
  t.is(reason(() => open(pay.headers(body, { timestamp: now + 300 }))), 'stale');
  t.notThrows(() => open(pay.headers(body, { timestamp: now - 299 })));
  t.is(reason(() => open(pay.headers(body, { serial: 'PUB_KEY_ID_0000' }))), 'unknown_serial');
  t.is(reason(() => open(pay.headers(body), body.replace('TRANSACTION.SUCCESS', 'TRANSACTION.SUCCESS '))), 'bad_signature');
  t.is(reason(() => open(pay.headers(body, { signature: 'WECHATPAY/SIGNTEST/abcd' }))), 'bad_signature');
  const other = fakeWechatPay(pay.serial);
  t.is(reason(() => open(other.headers(body))), 'bad_signature', 'signed by a key that is not the platform key');
  const unconfigured = new WechatPayNotify({ platformKeys: {}, apiV3Key: undefined, nowSec: () => now });
  t.is((t.throws(() => unconfigured.open({ serial: 's', signature: 'x', timestamp: String(now), nonce: 'n' }, Buffer.from(body))) as PayNotifyError).status, 503);
});

test('a signed notification whose resource decrypts to nothing is refused as malformed (400), not as our key being wrong (500)', (t) => {
  const pay = fakeWechatPay();
  const now = Math.floor(Date.now() / 1000);
  const notify = new WechatPayNotify({ platformKeys: { [pay.serial]: pay.publicPem }, apiV3Key: pay.apiV3Key, nowSec: () => now });
  // AES-GCM of an empty plaintext is the 16-byte tag alone; it verifies under the right key.
  const body = JSON.stringify({ ...JSON.parse(pay.body({})), resource: pay.encrypt('') });
  const h = pay.headers(body, { timestamp: now });
  const e = t.throws(() => notify.open({ serial: h['wechatpay-serial']!, signature: h['wechatpay-signature']!, timestamp: h['wechatpay-timestamp']!, nonce: h['wechatpay-nonce']! }, Buffer.from(body)), { instanceOf: PayNotifyError }) as PayNotifyError;
  t.is(e.status, 400);
  t.is(e.reason, 'bad_transaction');
});

import { createHmac } from 'node:crypto';
import test from 'ava';
import { CallbackCrypto } from '../../src/integrations/wecom/crypto.js';
import { buildXml } from '../../src/integrations/wecom/xml.js';
import { admin, startApp } from '../support/app.js';
import { fakeWechatPay } from '../support/wechatpay.js';
import { backendsOrSkip, pool, rowCounts } from './support/suite.js';

const backends = backendsOrSkip();
const REQUESTS = Number(process.env.FUZZ_REQUESTS || 10_000);
const SEED = Number(process.env.FUZZ_SEED || 20261125);

/** mulberry32: small, seeded, good enough to pick cases; the same seed replays the same run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, bytes };
}
type Rng = ReturnType<typeof prng>;

const NASTY = ['', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', '[]', '{}', "' OR 1=1 --", '"; DROP TABLE customers; --', '../../etc/passwd', '%00', '\u0000', '\ud800', '😀'.repeat(40), 'A'.repeat(5000), '<script>alert(1)</script>', '${jndi:ldap://x}', '13800138000', '+86 138 0013 8000', '2026-13-45T99:99:99+08:00'];

/** What a header can carry (fetch refuses the rest before sending). */
const HEADER_SAFE = NASTY.filter((s) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s));

/** Percent-encodes; a lone surrogate becomes the bytes of one (invalid UTF-8, on purpose). */
const pct = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

/** A value of a random JSON type, nasty strings included; depth-limited. */
function jsonValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 4 : 7)) {
    case 0:
      return r.pick(NASTY);
    case 1:
      return r.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, 10_000_000_000_1]);
    case 2:
      return r.pick([null, true, false]);
    case 3:
      return r.bytes(r.int(24)).toString('base64');
    case 4:
      return Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(['orderNo', 'amountFen', 'paidAt', 'customer', 'phone', 'code', 'bindToken', 'inviteCode', 'refreshToken', '__proto__', 'constructor', 'items', 'storeId', r.pick(NASTY)]), jsonValue(r, depth + 1)]));
  }
}

/** A body: JSON that may or may not parse, raw bytes, XML, forms, deep nesting, oversize. */
function body(r: Rng, shape?: () => unknown): string | Buffer {
  switch (r.int(9)) {
    case 0:
      return '';
    case 1:
      return r.bytes(1 + r.int(300));
    case 2: {
      const s = JSON.stringify(shape ? shape() : jsonValue(r));
      return s.slice(0, r.int(s.length + 1));
    }
    case 3:
      return '['.repeat(2000 + r.int(5000)) + ']'.repeat(r.int(2));
    case 4:
      return `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "${'a'.repeat(100)}"><!ENTITY b "&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>`;
    case 5:
      return `name=${pct(r.pick(NASTY))}&phone=${pct(r.pick(NASTY))}&consent=${r.pick(['1', '0', ''])}&ft=${r.bytes(12).toString('base64url')}${r.int(2) ? '&website=x' : ''}`;
    case 6:
      return 'x'.repeat(70_000 + r.int(200_000));
    default:
      return JSON.stringify(shape ? shape() : jsonValue(r));
  }
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/xml', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/json; charset=gbk', ';;;'];

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

if (backends) {
  test(`${REQUESTS} fuzzed requests to every public endpoint get 4xx answers and write nothing`, async (t) => {
    const pay = fakeWechatPay();
    const siyu = await startApp(t, { overrides: pay.config });
    // Things to aim at: a live landing code and a real order source (so signatures can be right
    // while the body is wrong), and the app's own callback keys (so the envelope verifies and
    // what is inside is garbage).
    const channel = await admin(siyu).post('/api/channels', { name: '故障-模糊', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '您好{name}' });
    t.is(channel.status, 201, channel.text);
    const code = channel.json.code as string;
    const src = await admin(siyu).post('/api/order-sources', { key: 'fuzz-pos', name: '模糊收银' });
    t.is(src.status, 201, src.text);
    const secret = src.json.secret as string;
    const { wecom } = siyu.config;
    const crypto = new CallbackCrypto({ token: wecom.token, encodingAesKey: wecom.aesKey, corpId: wecom.corpId });
    const alien = new CallbackCrypto({ token: wecom.token, encodingAesKey: wecom.aesKey, corpId: 'wwsomeoneelse000001' });

    const r = prng(SEED);
    const now = () => Math.floor(Date.now() / 1000);
    const callbackQuery = (encrypt: string, o: { good?: boolean; echo?: boolean } = {}) => {
      const ts = r.pick([String(now()), String(now() - 100_000), '', 'abc', '-1', '99999999999999999999']);
      const nonce = r.pick(['n', '', r.bytes(8).toString('hex'), r.pick(NASTY)]);
      const sig = o.good ? crypto.signature(ts, nonce, encrypt) : r.pick(['', r.bytes(20).toString('hex'), r.pick(NASTY)]);
      const q = new URLSearchParams({ msg_signature: sig, timestamp: ts, nonce });
      if (o.echo) q.set('echostr', encrypt);
      for (const k of [...q.keys()]) if (r.int(8) === 0) q.delete(k);
      return `?${q}`;
    };
    const garbledEncrypt = () =>
      r.pick([
        r.bytes(r.int(200)).toString('base64'),
        r.pick(NASTY),
        // Decrypts, but for another corp.
        alien.encrypt(buildXml({ ToUserName: 'x', MsgType: 'event', Event: 'change_external_contact', ChangeType: 'add_external_contact' })),
        // Ciphertext cut short or with a flipped byte.
        crypto.encrypt('<xml><a>1</a></xml>').slice(0, 20),
        (() => {
          const b = Buffer.from(crypto.encrypt('<xml><Event>x</Event></xml>'), 'base64');
          b[b.length - 1]! ^= 0xff;
          return b.toString('base64');
        })(),
      ]);

    const generators: Array<() => Req> = [
      () => {
        const enc = garbledEncrypt();
        return { method: 'GET', path: `/wecom/callback${callbackQuery(enc, { good: r.int(2) === 0, echo: true })}`, headers: {} };
      },
      () => {
        const enc = garbledEncrypt();
        const xml = r.int(3) === 0 ? body(r) : buildXml({ ToUserName: r.pick([wecom.corpId, 'x']), AgentID: '1', Encrypt: enc });
        return { method: 'POST', path: `/wecom/callback${callbackQuery(enc, { good: r.int(2) === 0 })}`, headers: { 'content-type': r.pick(CONTENT_TYPES) }, body: xml };
      },
      () => ({ method: r.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS']), path: r.pick(['/wecom/callback', `/s/${code}`, '/api/mp/login', '/api/integrations/orders', '/wechatpay/notify']), headers: {}, body: r.int(2) ? body(r) : undefined }),
      () => ({ method: 'GET', path: `/s/${r.pick([pct(r.pick(NASTY)), 'ch_' + r.bytes(6).toString('hex'), '..%2f..%2fetc%2fpasswd', code.toUpperCase(), code + 'x', '%E0%A4%A', 'a'.repeat(3000)])}`, headers: {} }),
      () => ({ method: 'POST', path: `/s/${r.int(3) ? code : 'ch_' + r.bytes(6).toString('hex')}`, headers: { 'content-type': r.pick(CONTENT_TYPES) }, body: body(r) }),
      () => ({
        method: 'POST',
        path: r.pick(['/api/mp/login', '/api/mp/bind', '/api/mp/refresh']),
        headers: { 'content-type': r.pick(CONTENT_TYPES), ...(r.int(4) === 0 ? { authorization: `Bearer ${r.pick(HEADER_SAFE)}` } : {}) },
        body: body(r, () => ({ code: r.pick(NASTY), bindToken: r.bytes(30).toString('base64url'), inviteCode: r.pick(NASTY), refreshToken: r.pick(['eyJhbGciOiJIUzI1NiJ9.e30.' + r.bytes(32).toString('base64url'), r.pick(NASTY)]) })),
      }),
      () => {
        const raw = body(r, () => ({ orderNo: r.pick(['A-1', r.pick(NASTY)]), amountFen: jsonValue(r), paidAt: r.pick(NASTY), customer: jsonValue(r) }));
        const ts = r.pick([String(now()), String(now() - 3600), 'x', '']);
        const nonce = r.bytes(12).toString('hex');
        // Half of them carry a correct signature over the malformed body.
        const sig = r.int(2) ? createHmac('sha256', secret).update(`${ts}\n${nonce}\n${raw.toString()}`).digest('hex') : r.bytes(32).toString('hex');
        return { method: 'POST', path: '/api/integrations/orders', headers: { 'content-type': r.pick(CONTENT_TYPES), 'x-siyu-source': r.pick(['fuzz-pos', 'nope', '']), 'x-siyu-timestamp': ts, 'x-siyu-nonce': nonce, 'x-siyu-signature': sig }, body: raw };
      },
      () => {
        const raw = r.pick([() => body(r), () => pay.body(jsonValue(r) as object), () => JSON.stringify({ ...JSON.parse(pay.body({})), resource: pay.encrypt(String(body(r)).slice(0, 500)) })])();
        const headers: Record<string, string> = r.int(2) ? pay.headers(raw.toString()) : pay.headers(raw.toString(), { signature: r.bytes(256).toString('base64'), serial: r.pick([pay.serial, 'X']) });
        if (r.int(6) === 0) delete headers[r.pick(Object.keys(headers))];
        return { method: 'POST', path: '/wechatpay/notify', headers, body: raw };
      },
    ];

    const before = await rowCounts(siyu.db);
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    const requests = Array.from({ length: REQUESTS }, () => r.pick(generators)());
    await pool(requests, 32, async (q) => {
      let status: number;
      try {
        const res = await fetch(`${siyu.url}${q.path}`, { method: q.method, headers: q.headers, body: typeof q.body === 'string' || q.body === undefined ? q.body : new Uint8Array(q.body) });
        await res.arrayBuffer();
        status = res.status;
      } catch (e) {
        // The server may close a connection on an oversize body; that is a refusal, not a crash.
        status = -1;
        if (!(q.body && q.body.length > 65_536)) bad.push(`${q.method} ${q.path.slice(0, 80)}: connection failed (${(e as Error).message})`);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      // OPTIONS answers which methods exist (koa-router's allowedMethods): a read, no write.
      const fine = (status >= 400 && status < 500) || (q.method === 'OPTIONS' && status < 300);
      if (status !== -1 && !fine && bad.length < 20) bad.push(`${q.method} ${q.path.slice(0, 80)} -> ${status} ${JSON.stringify(q.headers).slice(0, 300)} ${String(q.body).slice(0, 300)}`);
    });
    t.log(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    t.deepEqual(bad, [], 'every answer is a 4xx');
    t.deepEqual(await rowCounts(siyu.db), before, 'no table gained or lost a row');
    const health = await fetch(`${siyu.url}/healthz`);
    t.is(health.status, 200, 'still healthy');
    t.is((await admin(siyu).get('/api/channels')).status, 200, 'still serving');
  });
}

import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WecomEmulator, WECOM_ERRCODE as E } from '../../../src/sandbox/wecom/index.js';
import { AGENT_SECRET, CONTACT_SECRET, CORP, startEmulator, type Json } from './emulator-harness.js';

const TAGS = '/cgi-bin/externalcontact/get_corp_tag_list';
const WAY = '/cgi-bin/externalcontact/add_contact_way';

test('gettoken issues an opaque token valid for 7200 s', async (t) => {
  const h = await startEmulator(t);
  const r = (await (await fetch(`${h.base}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${CONTACT_SECRET}`)).json()) as Json;
  t.is(r.errcode, 0);
  t.is(r.errmsg, 'ok');
  t.is(r.expires_in, 7200);
  t.regex(r.access_token, /^[A-Za-z0-9]{16,512}$/);
  t.is(h.em.token(r.access_token)?.secret, CONTACT_SECRET);
});

const gettokenErrors: Array<[string, string, number]> = [
  ['missing corpid', `corpsecret=${CONTACT_SECRET}`, E.MISSING_CORPID],
  ['missing secret', `corpid=${CORP}`, E.MISSING_SECRET],
  ['unknown corpid', `corpid=wwOTHER&corpsecret=${CONTACT_SECRET}`, E.INVALID_CORPID],
  ['unknown secret', `corpid=${CORP}&corpsecret=nope`, E.INVALID_SECRET],
];
for (const [title, query, errcode] of gettokenErrors) {
  test(`gettoken with ${title} answers ${errcode} with HTTP 200`, async (t) => {
    const h = await startEmulator(t);
    const res = await fetch(`${h.base}/cgi-bin/gettoken?${query}`);
    t.is(res.status, 200);
    const r = (await res.json()) as Json;
    t.is(r.errcode, errcode);
    // WeCom's errmsg carries a hint suffix; clients must branch on errcode only.
    t.regex(r.errmsg, /hint: \[\d+_\w+\], from ip: 127\.0\.0\.1/);
    t.is(r.access_token, undefined);
  });
}

test('calls without, with an unknown and with an expired token get 41001, 40014 and 42001', async (t) => {
  const h = await startEmulator(t);
  t.is((await h.post(TAGS, {}, { token: null })).errcode, E.MISSING_TOKEN);
  t.is((await h.post(TAGS, {}, { token: 'not-a-token' })).errcode, E.INVALID_TOKEN);
  const token = await h.gettoken();
  h.clock.advance(7199_000);
  t.is((await h.post(TAGS, {}, { token })).errcode, 0, 'valid one second before expiry');
  h.clock.advance(1000);
  t.is((await h.post(TAGS, {}, { token })).errcode, E.TOKEN_EXPIRED, 'expired at 7200 s of the injected clock');
  const fresh = await h.gettoken();
  t.not(fresh, token);
  t.is((await h.post(TAGS, {}, { token: fresh })).errcode, 0);
});

test('expireAll and invalidate end tokens early, as WeCom may', async (t) => {
  const h = await startEmulator(t);
  const a = await h.gettoken();
  const b = await h.gettoken(AGENT_SECRET);
  h.em.invalidate(a);
  t.is((await h.post(TAGS, {}, { token: a })).errcode, E.INVALID_TOKEN);
  t.is((await h.post(TAGS, {}, { token: b })).errcode, 0);
  h.em.expireAll();
  t.is((await h.post(TAGS, {}, { token: b })).errcode, E.TOKEN_EXPIRED);
  t.is((await h.post(TAGS, {}, { token: await h.gettoken(AGENT_SECRET) })).errcode, 0, 'new tokens are unaffected');
});

test('tokens are bound to their secret: resetting it kills them and the old secret is refused', async (t) => {
  const h = await startEmulator(t);
  const contact = await h.gettoken();
  const agent = await h.gettoken(AGENT_SECRET);
  h.em.resetSecret(CONTACT_SECRET, 'contact-secret-new');
  t.is((await h.post(TAGS, {}, { token: contact })).errcode, E.INVALID_TOKEN);
  t.is((await h.post(TAGS, {}, { token: agent })).errcode, 0);
  await t.throwsAsync(h.gettoken(CONTACT_SECRET), { message: /40001/ });
  t.truthy(await h.gettoken('contact-secret-new'));
});

test('an injected errcode answers the next N calls, then the API behaves again', async (t) => {
  const h = await startEmulator(t);
  h.em.addEmployee('rep001');
  h.em.injectFault(WAY, { errcode: E.SYSTEM_BUSY, times: 2 });
  const body = { type: 1, scene: 2, user: ['rep001'] };
  t.is((await h.post(WAY, body)).errcode, -1);
  t.is((await h.post(WAY, body)).errcode, -1);
  const ok = await h.post(WAY, body);
  t.is(ok.errcode, 0);
  t.deepEqual(
    h.em.callsTo(WAY).map((c) => c.errcode),
    [-1, -1, 0],
  );
  const list = await h.post('/cgi-bin/externalcontact/list_contact_way', {});
  t.deepEqual(list.contact_way, [{ config_id: ok.config_id }], 'the faulted calls created nothing');
});

test('a fault on one path leaves other paths alone, and "*" hits every path', async (t) => {
  const h = await startEmulator(t);
  await h.gettoken();
  h.em.injectFault(WAY, { errcode: E.FREQ_LIMIT });
  t.is((await h.post(TAGS, {})).errcode, 0);
  h.em.clearFaults();
  h.em.addEmployee('rep001');
  t.is((await h.post(WAY, { type: 1, scene: 2, user: ['rep001'] })).errcode, 0, 'cleared');
  h.em.injectFault('*', { errcode: 60020, times: 2 });
  t.is((await h.post(TAGS, {})).errcode, 60020);
  t.is((await h.get('/cgi-bin/getcallbackip')).errcode, 60020);
  t.is((await h.post(TAGS, {})).errcode, 0);
});

test('a dropped call destroys the connection before anything changes', async (t) => {
  const h = await startEmulator(t);
  h.em.addEmployee('rep001');
  await h.gettoken();
  h.em.injectFault(WAY, { drop: true });
  await t.throwsAsync(h.post(WAY, { type: 1, scene: 2, user: ['rep001'] }));
  const [call] = h.em.callsTo(WAY);
  t.true(call?.dropped);
  t.is(h.em.contactWay('x'), undefined);
  const list = await h.post('/cgi-bin/externalcontact/list_contact_way', {});
  t.deepEqual(list.contact_way, [], 'nothing was created');
});

test('a drop after handling makes the change but loses the answer', async (t) => {
  const h = await startEmulator(t);
  h.em.addEmployee('rep001');
  await h.gettoken();
  h.em.injectFault(WAY, { drop: true, afterHandling: true });
  await t.throwsAsync(h.post(WAY, { type: 1, scene: 2, user: ['rep001'] }));
  const list = await h.post('/cgi-bin/externalcontact/list_contact_way', {});
  t.is(list.contact_way.length, 1, 'the way exists although the caller saw a network error');
  t.is(h.em.callsTo(WAY)[0]?.errcode, 0);
});

test('latency delays the answer by real time', async (t) => {
  const h = await startEmulator(t);
  await h.gettoken();
  h.em.injectFault(TAGS, { latencyMs: 150 });
  const started = Date.now();
  const r = await h.post(TAGS, {});
  t.is(r.errcode, 0);
  t.true(Date.now() - started >= 140);
});

test('close() does not wait for a request stuck in a latency fault', async (t) => {
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET] });
  const base = await em.listen();
  em.injectFault('/cgi-bin/getcallbackip', { latencyMs: 60_000 });
  const pending = fetch(`${base}/cgi-bin/getcallbackip?access_token=x`).catch((e: Error) => e);
  // Wait until the request is really parked in the fault, however busy the machine is.
  while (em.callsTo('/cgi-bin/getcallbackip').length === 0) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  await em.close();
  t.true(Date.now() - started < 1000);
  t.true((await pending) instanceof Error);
});

test('every call is logged with its path, query, body and errcode', async (t) => {
  const h = await startEmulator(t);
  const token = await h.gettoken();
  await h.post(TAGS, { tag_id: ['etX'] }, { token });
  const [gettoken, tags] = h.em.calls;
  t.is(gettoken?.path, '/cgi-bin/gettoken');
  t.is(gettoken?.method, 'GET');
  t.is(tags?.method, 'POST');
  t.is(tags?.query.access_token, token);
  t.deepEqual(tags?.body, { tag_id: ['etX'] });
  t.is(tags?.errcode, 0);
  t.is(tags?.at, h.clock.now());
  t.is(h.em.callsTo(TAGS).length, 1);
});

test('unknown APIs are a loud 404 and the wrong method is 43001/43002', async (t) => {
  const h = await startEmulator(t);
  const token = await h.gettoken();
  const res = await fetch(`${h.base}/cgi-bin/externalcontact/no_such_api?access_token=${token}`);
  t.is(res.status, 404);
  t.is((await h.get(TAGS)).errcode, E.REQUIRE_POST);
  const r = (await (await fetch(`${h.base}/cgi-bin/getcallbackip?access_token=${token}`, { method: 'POST' })).json()) as Json;
  t.is(r.errcode, E.REQUIRE_GET);
});

test('malformed JSON is answered like WeCom: treated as empty with a warning in errmsg', async (t) => {
  const h = await startEmulator(t);
  const r = await h.post(TAGS, '{"tag_id": [');
  t.is(r.errcode, 0);
  t.regex(r.errmsg, /Warning: wrong json format/);
  t.is((await h.post(WAY, '{oops')).errcode, E.MISSING_CONTACT_WAY_TYPE);
});

test('mounted inside another server under a prefix, it answers only its own paths', async (t) => {
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET], pathPrefix: '/sandbox/wecom/' });
  const server = createServer((req, res) => {
    if (em.handle(req, res)) return;
    res.writeHead(418);
    res.end('host app');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    await em.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tok = (await (await fetch(`${base}/sandbox/wecom/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${CONTACT_SECRET}`)).json()) as Json;
  t.is(tok.errcode, 0);
  t.is(em.calls[0]?.path, '/cgi-bin/gettoken', 'the prefix is stripped before routing');
  t.is((await fetch(`${base}/cgi-bin/gettoken`)).status, 418, 'paths outside the prefix belong to the host');
  t.is((await fetch(`${base}/sandbox/wecom/healthz`)).status, 418);
});

test('listen returns the base URL including the prefix', async (t) => {
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET], pathPrefix: '/sandbox/wecom' });
  const base = await em.listen(0, '127.0.0.1');
  t.teardown(() => em.close());
  t.regex(base, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/wecom$/);
  const r = (await (await fetch(`${base}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${CONTACT_SECRET}`)).json()) as Json;
  t.is(r.errcode, 0);
});

test('getcallbackip lists loopback', async (t) => {
  const h = await startEmulator(t);
  const r = await h.get('/cgi-bin/getcallbackip');
  t.deepEqual(r.ip_list, ['127.0.0.1']);
  t.is((await h.get('/cgi-bin/getcallbackip', {}, { token: null })).errcode, E.MISSING_TOKEN);
});

import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { admin, startApp } from '../support/app.js';
import { addStore, invite, loginAs, mp, saveStaff } from '../support/mp.js';

async function app(t: Parameters<typeof startApp>[0]) {
  const clock = new ManualClock(Date.now());
  const siyu = await startApp(t, { options: { clock } });
  const storeId = await addStore(siyu, 's1');
  await saveStaff(siyu, { wecomUserId: 'mgr1', role: 'store_manager', storeId });
  return { siyu, clock, storeId, call: mp(siyu), wx: siyu.wechatEmulator! };
}

test('first login needs binding; an invite binds the openid and later logins go straight in', async (t) => {
  const { siyu, call, wx, storeId } = await app(t);
  const first = await call('POST', '/login', { body: { code: wx.issueCode('o-mgr1') } });
  t.is(first.status, 200);
  t.true(first.json.needsBinding);
  t.is(first.json.accessToken, undefined);

  const bound = await call('POST', '/bind', { body: { bindToken: first.json.bindToken, inviteCode: await invite(siyu, 'mgr1') } });
  t.is(bound.status, 200, JSON.stringify(bound.json));
  t.deepEqual(bound.json.staff, { name: 'mgr1', role: 'store_manager', storeId });
  t.truthy(bound.json.refreshToken);

  const me = await call('GET', '/me', { token: bound.json.accessToken });
  t.is(me.status, 200);
  t.like(me.json, { wecomUserId: 'mgr1', role: 'store_manager', storeId });
  t.is(me.json.storeName, (await siyu.db('stores').where({ id: storeId }).first('name')).name, '我的 shows the store by name');
  t.truthy(me.json.storeName);

  const again = await call('POST', '/login', { body: { code: wx.issueCode('o-mgr1') } });
  t.is(again.status, 200);
  t.false(again.json.needsBinding);
  t.is((await call('GET', '/me', { token: again.json.accessToken })).status, 200);
  // Only hashes are stored.
  const row = await siyu.db('mp_refresh_tokens').first();
  t.not(row.token_hash, bound.json.refreshToken);
  t.is(Number((await siyu.db('staff_invites').whereNotNull('used_at').count({ n: '*' }))[0]!.n), 1);
});

test('an invite works once, only before it expires, and only for a valid bind token', async (t) => {
  const { siyu, call, wx, clock } = await app(t);
  const code = await invite(siyu, 'mgr1');
  const bindTokenOf = async (openid: string) => (await call('POST', '/login', { body: { code: wx.issueCode(openid) } })).json.bindToken as string;

  t.is((await call('POST', '/bind', { body: { bindToken: await bindTokenOf('o-a'), inviteCode: code } })).status, 200);
  const reused = await call('POST', '/bind', { body: { bindToken: await bindTokenOf('o-b'), inviteCode: code } });
  t.is(reused.status, 400);
  t.is(reused.json.error.code, 'MP.INVITE_INVALID');

  const late = await invite(siyu, 'mgr1');
  const bindToken = await bindTokenOf('o-c');
  clock.advance(72 * 3_600_000 + 1);
  // The bind token is 10 minutes: a fresh one, but the invite is now too old.
  const expired = await call('POST', '/bind', { body: { bindToken: await bindTokenOf('o-c'), inviteCode: late } });
  t.is(expired.json.error.code, 'MP.INVITE_INVALID');
  const staleBind = await call('POST', '/bind', { body: { bindToken, inviteCode: await invite(siyu, 'mgr1') } });
  t.is(staleBind.status, 401);
  t.is(staleBind.json.error.code, 'MP.BIND_TOKEN_INVALID');
  const forged = await call('POST', '/bind', { body: { bindToken: 'x.y.z', inviteCode: await invite(siyu, 'mgr1') } });
  t.is(forged.status, 401);
  t.is(Number((await siyu.db('staff_openids').count({ n: '*' }))[0]!.n), 1);
  t.is((await admin(siyu).post('/api/staff/nobody/invites')).status, 404);
});

test('a bad, expired or used wx.login code is refused and writes nothing', async (t) => {
  const { siyu, call, wx, clock } = await app(t);
  const bad = await call('POST', '/login', { body: { code: 'not-a-code' } });
  t.is(bad.status, 401);
  t.is(bad.json.error.code, 'MP.CODE_INVALID');

  const code = wx.issueCode('o-x');
  t.is((await call('POST', '/login', { body: { code } })).status, 200);
  const used = await call('POST', '/login', { body: { code } });
  t.is(used.status, 401);
  t.is(used.json.error.code, 'MP.CODE_INVALID');

  const old = wx.issueCode('o-y');
  clock.advance(5 * 60_000 + 1);
  t.is((await call('POST', '/login', { body: { code: old } })).json.error.code, 'MP.CODE_INVALID');
  t.is((await call('POST', '/login', { body: {} })).status, 400);
  t.is(Number((await siyu.db('mp_refresh_tokens').count({ n: '*' }))[0]!.n), 0);
});

test('refresh rotates the token; presenting the old one again revokes the family and its access tokens', async (t) => {
  const { siyu, call, clock } = await app(t);
  const s0 = await loginAs(siyu, 'mgr1');
  clock.advance(15 * 60_000 + 1);
  t.is((await call('GET', '/me', { token: s0.accessToken })).status, 401, 'access tokens last 15 minutes');

  const r1 = await call('POST', '/refresh', { body: { refreshToken: s0.refreshToken } });
  t.is(r1.status, 200);
  t.not(r1.json.refreshToken, s0.refreshToken);
  t.is((await call('GET', '/me', { token: r1.json.accessToken })).status, 200);

  const reuse = await call('POST', '/refresh', { body: { refreshToken: s0.refreshToken } });
  t.is(reuse.status, 401);
  t.is(reuse.json.error.code, 'MP.REFRESH_REUSED');
  t.is((await call('POST', '/refresh', { body: { refreshToken: r1.json.refreshToken } })).status, 401, 'the newest token of the family is revoked too');
  t.is((await call('GET', '/me', { token: r1.json.accessToken })).status, 401, 'and access tokens issued from it');
  t.is((await call('POST', '/refresh', { body: { refreshToken: 'made-up' } })).json.error.code, 'MP.REFRESH_INVALID');

  const s2 = await loginAs(siyu, 'mgr1');
  clock.advance(30 * 24 * 3_600_000 + 1);
  t.is((await call('POST', '/refresh', { body: { refreshToken: s2.refreshToken } })).status, 401, 'refresh tokens last 30 days');
});

test('logout revokes the refresh token and the access token', async (t) => {
  const { siyu, call } = await app(t);
  const s = await loginAs(siyu, 'mgr1');
  t.is((await call('POST', '/logout', { token: s.accessToken, body: { refreshToken: s.refreshToken } })).status, 204);
  t.is((await call('GET', '/me', { token: s.accessToken })).status, 401);
  t.is((await call('POST', '/refresh', { body: { refreshToken: s.refreshToken } })).status, 401);
  t.is((await call('POST', '/logout', {})).status, 401);
});

test('disabling a staff member stops their tokens at once, and login and refresh with them', async (t) => {
  const { siyu, call, wx, storeId } = await app(t);
  const s = await loginAs(siyu, 'mgr1');
  t.is((await call('GET', '/me', { token: s.accessToken })).status, 200);
  await saveStaff(siyu, { wecomUserId: 'mgr1', role: 'store_manager', storeId, active: false });

  const me = await call('GET', '/me', { token: s.accessToken });
  t.is(me.status, 401);
  t.is(me.json.error.code, 'MP.UNAUTHORIZED');
  t.is((await call('GET', '/customers', { token: s.accessToken })).status, 401);
  t.is((await call('POST', '/logout', { token: s.accessToken })).status, 401);
  t.is((await call('POST', '/refresh', { body: { refreshToken: s.refreshToken } })).status, 401);
  const login = await call('POST', '/login', { body: { code: wx.issueCode('o-mgr1') } });
  t.is(login.status, 403);
  t.is(login.json.error.code, 'MP.STAFF_DISABLED');
  t.is((await admin(siyu).post('/api/staff/mgr1/invites')).status, 409);

  // Enabled again, they log in anew: the old tokens stay dead.
  await saveStaff(siyu, { wecomUserId: 'mgr1', role: 'store_manager', storeId, active: true });
  t.is((await call('GET', '/me', { token: s.accessToken })).status, 401);
  t.is((await call('POST', '/refresh', { body: { refreshToken: s.refreshToken } })).status, 401);
  const back = await call('POST', '/login', { body: { code: wx.issueCode('o-mgr1') } });
  t.is((await call('GET', '/me', { token: back.json.accessToken })).status, 200);
});

test('a token signed with another key or for another audience is refused', async (t) => {
  const { siyu, call } = await app(t);
  const s = await loginAs(siyu, 'mgr1');
  const [h, p] = s.accessToken.split('.');
  t.is((await call('GET', '/me', { token: `${h}.${p}.AAAA` })).status, 401);
  const login = await call('POST', '/login', { body: { code: siyu.wechatEmulator!.issueCode('o-new') } });
  t.is((await call('GET', '/me', { token: login.json.bindToken })).status, 401, 'a bind token is no access token');
});

test('two phones racing to bind with one invite: exactly one is bound', async (t) => {
  const { siyu, call, wx } = await app(t);
  const code = await invite(siyu, 'mgr1');
  const tokens = await Promise.all(['o-p1', 'o-p2', 'o-p3'].map(async (o) => (await call('POST', '/login', { body: { code: wx.issueCode(o) } })).json.bindToken as string));
  const results = await Promise.all(tokens.map((bindToken) => call('POST', '/bind', { body: { bindToken, inviteCode: code.toLowerCase() } })));
  t.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400]);
  t.is(Number((await siyu.db('staff_openids').count({ n: '*' }))[0]!.n), 1);
  t.is(Number((await siyu.db('mp_refresh_tokens').count({ n: '*' }))[0]!.n), 1);
});

test('a WeChat already bound cannot take a second invite, and the invite stays usable', async (t) => {
  const { siyu, call, wx, storeId } = await app(t);
  await saveStaff(siyu, { wecomUserId: 'rep9', role: 'rep', storeId });
  const code = await invite(siyu, 'rep9');
  // The bind token (10 minutes) is replayed after it was used to bind.
  const bindToken = (await call('POST', '/login', { body: { code: wx.issueCode('o-fresh') } })).json.bindToken;
  t.is((await call('POST', '/bind', { body: { bindToken, inviteCode: code } })).status, 200);
  const again = await call('POST', '/bind', { body: { bindToken, inviteCode: await invite(siyu, 'rep9') } });
  t.is(again.status, 409);
  t.is(again.json.error.code, 'MP.ALREADY_BOUND');
  t.is(Number((await siyu.db('staff_invites').whereNull('used_at').count({ n: '*' }))[0]!.n), 1, 'the refused bind left its invite unused');
});

test('in sandbox mode an admin can play wx.login by hand: /sandbox/wx-login issues a code /api/mp/login accepts once', async (t) => {
  const { siyu, call } = await app(t);
  const res = await admin(siyu).post('/sandbox/wx-login', { openid: 'o-by-hand' });
  t.is(res.status, 200);
  const login = await call('POST', '/login', { body: { code: res.json.code } });
  t.true(login.json.needsBinding);
  t.is((await call('POST', '/login', { body: { code: res.json.code } })).status, 401);
  t.is((await fetch(`${siyu.url}/sandbox/wx-login`, { method: 'POST', body: '{"openid":"x"}', headers: { 'content-type': 'application/json' } })).status, 401);
});

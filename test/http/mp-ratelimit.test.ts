import test, { type ExecutionContext } from 'ava';
import { MP_LIMITS } from '../../src/domain/mp/rate-limits.js';
import { ManualClock } from '../../src/shared/clock.js';
import { startApp } from '../support/app.js';
import { addStore, invite, saveStaff } from '../support/mp.js';

/** 2026-06-15 12:00:20 Asia/Shanghai: 40 s before the minute's window ends. */
const START = Date.UTC(2026, 5, 15, 4, 0, 20);

async function app(t: ExecutionContext) {
  const clock = new ManualClock(START);
  const siyu = await startApp(t, { options: { clock } });
  await saveStaff(siyu, { wecomUserId: 'mgr1', role: 'store_manager', storeId: await addStore(siyu, 's1') });
  const post = async (path: string, body: unknown, ip: string) => {
    const res = await fetch(`${siyu.url}/api/mp${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any };
  };
  const wx = siyu.wechatEmulator!;
  const login = (openid: string, ip: string) => post('/login', { code: wx.issueCode(openid) }, ip);
  return { siyu, clock, post, login };
}

test('login is limited per address with a 429, Retry-After until the window ends, and other addresses unaffected', async (t) => {
  const { clock, login } = await app(t);
  for (let i = 0; i < MP_LIMITS.loginPerIp.limit; i++) t.is((await login(`o-${i}`, '10.0.0.1')).status, 200);
  const over = await login('o-next', '10.0.0.1');
  t.is(over.status, 429);
  t.is(over.json.error.code, 'MP.RATE_LIMITED');
  t.is(over.json.error.message, '操作过于频繁，请稍后再试');
  t.is(over.retryAfter, '40');
  t.is((await login('o-next', '10.0.0.2')).status, 200);
  clock.advance(39_000);
  t.is((await login('o-later', '10.0.0.1')).status, 429);
  clock.advance(1_000);
  t.is((await login('o-later', '10.0.0.1')).status, 200, 'a new window');
});

test('login is limited per WeChat user across addresses', async (t) => {
  const { login } = await app(t);
  for (let i = 0; i < MP_LIMITS.loginPerOpenid.limit; i++) t.is((await login('o-same', `10.0.1.${i}`)).status, 200);
  const over = await login('o-same', '10.0.2.1');
  t.is(over.status, 429);
  t.truthy(over.retryAfter);
  t.is((await login('o-other', '10.0.2.1')).status, 200);
});

test('binding is limited per WeChat user before the invite is looked at: a limited bind uses no invite', async (t) => {
  const { siyu, clock, post, login } = await app(t);
  const bindToken = async (ip: string) => (await login('o-guess', ip)).json.bindToken as string;
  for (let i = 0; i < MP_LIMITS.bindPerOpenid.limit; i++) {
    const r = await post('/bind', { bindToken: await bindToken(`10.1.0.${i}`), inviteCode: `WRONG${i}CODE` }, `10.1.0.${i}`);
    t.is(r.json.error.code, 'MP.INVITE_INVALID');
  }
  const code = await invite(siyu, 'mgr1');
  const over = await post('/bind', { bindToken: await bindToken('10.1.1.1'), inviteCode: code }, '10.1.1.1');
  t.is(over.status, 429);
  t.is(over.retryAfter, String(MP_LIMITS.bindPerOpenid.windowMs / 1000 - 20));
  t.is(await siyu.db('staff_invites').whereNotNull('used_at').count({ n: '*' }).then((r) => Number(r[0]!.n)), 0);
  t.is(await siyu.db('staff_openids').count({ n: '*' }).then((r) => Number(r[0]!.n)), 0);
  clock.advance(MP_LIMITS.bindPerOpenid.windowMs);
  t.is((await post('/bind', { bindToken: await bindToken('10.1.1.1'), inviteCode: code }, '10.1.1.1')).status, 200);
});

test('refresh is limited per token and per address', async (t) => {
  const { post } = await app(t);
  const token = 'x'.repeat(43);
  for (let i = 0; i < MP_LIMITS.refreshPerToken.limit; i++) t.is((await post('/refresh', { refreshToken: token }, `10.2.0.${i}`)).json.error.code, 'MP.REFRESH_INVALID');
  t.is((await post('/refresh', { refreshToken: token }, '10.2.1.1')).status, 429);

  for (let i = 0; i < MP_LIMITS.refreshPerIp.limit; i++) t.is((await post('/refresh', { refreshToken: `t${i}`.padEnd(43, 'y') }, '10.3.0.1')).status, 401);
  const over = await post('/refresh', { refreshToken: 'z'.repeat(43) }, '10.3.0.1');
  t.is(over.status, 429);
  t.is(over.json.error.code, 'MP.RATE_LIMITED');
});

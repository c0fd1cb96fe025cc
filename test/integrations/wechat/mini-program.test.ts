import test, { type ExecutionContext } from 'ava';
import { WechatEmulator } from '../../../src/sandbox/wechat/index.js';
import { MiniProgramApi } from '../../../src/integrations/wechat/mini-program.js';
import { ManualClock } from '../../../src/shared/clock.js';

const appId = 'wx0123456789abcdef';
const appSecret = '0123456789abcdef0123456789abcdef';

async function setup(t: ExecutionContext) {
  const clock = new ManualClock();
  const wx = new WechatEmulator({ appId, appSecret, clock });
  const base = await wx.listen(0);
  t.teardown(() => wx.close());
  return { wx, base, clock };
}

test('jscode2session answers WeChat errcodes for a wrong appid, secret, grant type and code', async (t) => {
  const { wx, base } = await setup(t);
  const q = (o: Record<string, string>) =>
    fetch(`${base}/sns/jscode2session?${new URLSearchParams({ appid: appId, secret: appSecret, grant_type: 'authorization_code', js_code: wx.issueCode('o1'), ...o })}`).then((r) => r.json() as Promise<any>);
  t.is((await q({ appid: 'wx0000000000000000' })).errcode, 40013);
  t.is((await q({ secret: 'nope' })).errcode, 40125);
  t.is((await q({ grant_type: 'password' })).errcode, 40002);
  t.is((await q({ js_code: 'unknown' })).errcode, 40029);
  const ok = await q({});
  t.is(ok.openid, 'o1');
  t.truthy(ok.session_key);
});

test('code2Session gets the openid once per code; a used, expired or unknown code is MP.CODE_INVALID', async (t) => {
  const { wx, base, clock } = await setup(t);
  const api = new MiniProgramApi({ apiBase: base, appId, appSecret, timeoutMs: 2000 });
  const code = wx.issueCode('o1', { unionid: 'u1' });
  t.deepEqual(await api.code2Session(code), { openid: 'o1', unionid: 'u1' });
  t.is((await t.throwsAsync(api.code2Session(code)))?.message, '登录凭证无效或已过期，请重新登录');
  const old = wx.issueCode('o2');
  clock.advance(5 * 60_000);
  t.like(await t.throwsAsync(api.code2Session(old)), { code: 'MP.CODE_INVALID', status: 401 });
});

test('a wrong secret or an unconfigured or unreachable WeChat is a 503, never a login', async (t) => {
  const { wx, base } = await setup(t);
  const wrong = new MiniProgramApi({ apiBase: base, appId, appSecret: 'f'.repeat(32), timeoutMs: 2000 });
  t.like(await t.throwsAsync(wrong.code2Session(wx.issueCode('o1'))), { code: 'MP.WECHAT_REFUSED', status: 503, transient: false });
  t.like(await t.throwsAsync(new MiniProgramApi({ apiBase: base, timeoutMs: 2000 }).code2Session('x')), { code: 'MP.NOT_CONFIGURED', status: 503 });
  t.like(await t.throwsAsync(new MiniProgramApi({ apiBase: 'http://127.0.0.1:1', appId, appSecret, timeoutMs: 2000 }).code2Session('x')), { code: 'MP.WECHAT_UNAVAILABLE', status: 503 });
});

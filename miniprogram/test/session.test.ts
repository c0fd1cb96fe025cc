import test from 'ava'
import { fixture, loadPage, REPORT_FIXTURES, open, signedInAs, stubWx, waitFor, waitText } from './helpers'
// The session handling of utils/request.ts, exercised through real pages.
const me = loadPage('pages/me/me')
const reports = loadPage('pages/reports/reports')

const expired = fixture('unauthorized')

test.serial('401 → refresh with the refresh token once → the request is retried with the new access token', async (t) => {
  const s = stubWx({ 'POST /refresh': fixture('refresh') })
  signedInAs(s, 'store_manager')
  s.set('GET /me', (c) => (c.header.Authorization === `Bearer ${(fixture('refresh').body as any).accessToken}` ? fixture('me-manager') : expired))
  const page = open(me)
  await waitText(page, (fixture('me-manager').body as any).name)
  t.deepEqual(s.calls.map((c) => `${c.method} ${c.path}`), ['GET /me', 'POST /refresh', 'GET /me'])
  t.is(s.calls[1]!.data.refreshToken, 'refresh-store_manager')
  t.is(s.store.get('siyu.refreshToken'), (fixture('refresh').body as any).refreshToken, 'the rotated refresh token is kept')
  t.is(s.logins, 0)
})

test.serial('a refused refresh falls back to wx.login → /login, then retries', async (t) => {
  const s = stubWx({ 'POST /refresh': fixture('refresh-invalid'), 'POST /login': fixture('login-bound') })
  signedInAs(s, 'store_manager')
  s.set('GET /me', (c) => (c.header.Authorization === `Bearer ${(fixture('login-bound').body as any).accessToken}` ? fixture('me-manager') : expired))
  const page = open(me)
  await waitText(page, (fixture('me-manager').body as any).name)
  t.deepEqual(s.calls.map((c) => `${c.method} ${c.path}`), ['GET /me', 'POST /refresh', 'POST /login', 'GET /me'])
  t.is(s.logins, 1)
})

test.serial('a WeChat user no longer bound is sent to the login page with a Chinese message', async (t) => {
  const s = stubWx({ 'POST /refresh': fixture('refresh-invalid'), 'POST /login': fixture('login-needs-binding'), 'GET /me': expired })
  signedInAs(s, 'rep')
  const page = open(me)
  await waitText(page, '请先用邀请码绑定账号')
  t.true(s.navs.some((n) => n.api === 'reLaunch' && n.url === '/pages/login/login'))
  t.is(s.store.get('siyu.bindToken'), (fixture('login-needs-binding').body as any).bindToken)
  t.false(s.store.has('siyu.accessToken'))
})

test.serial('a second 401 after renewing does not loop: the page shows the API message and goes to login', async (t) => {
  const s = stubWx({ 'POST /refresh': fixture('refresh'), 'GET /me': expired })
  signedInAs(s, 'rep')
  const page = open(me)
  await waitText(page, (expired.body as any).error.message)
  t.is(s.calls.filter((c) => c.path === '/me').length, 2)
  t.is(s.calls.filter((c) => c.path === '/refresh').length, 1)
  t.true(s.navs.some((n) => n.api === 'reLaunch'))
})

test.serial('concurrent 401s share one refresh (single flight)', async (t) => {
  const fresh = `Bearer ${(fixture('refresh').body as any).accessToken}`
  const s = stubWx({ 'POST /refresh': fixture('refresh') })
  signedInAs(s, 'store_manager')
  for (const [k, f] of Object.entries(REPORT_FIXTURES)) s.set(k, (c) => (c.header.Authorization === fresh ? fixture(f) : expired))
  const page = open(reports)
  await waitFor(() => s.calls.filter((c) => c.path.startsWith('/reports') && c.header.Authorization === fresh).length === 6, 'six retried report calls')
  await waitText(page, '重要价值客户')
  t.is(s.calls.filter((c) => c.path === '/refresh').length, 1)
  t.is(s.calls.filter((c) => c.path.startsWith('/reports')).length, 12)
})

test.serial('a 401 that arrives while the session is being re-created (refresh refused, wx.login under way) waits for it instead of giving up', async (t) => {
  const fresh = `Bearer ${(fixture('login-bound').body as any).accessToken}`
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  const s = stubWx({
    'POST /refresh': fixture('refresh-invalid'),
    // By now the old session is cleared and the new one not yet saved: the late 401 is
    // delivered now, and /login answers only on a later turn.
    'POST /login': () => (release(), { ...fixture('login-bound'), hold: held.then(() => new Promise((r) => setTimeout(r, 0))) }),
  })
  signedInAs(s, 'store_manager')
  for (const [k, f] of Object.entries(REPORT_FIXTURES)) s.set(k, (c) => (c.header.Authorization === fresh ? fixture(f) : expired))
  s.set('GET /reports/ltv', (c, n) => (c.header.Authorization === fresh ? fixture('report-ltv') : n === 1 ? { ...expired, hold: held } : expired))
  const page = open(reports)
  await waitFor(() => s.calls.filter((c) => c.path.startsWith('/reports') && c.header.Authorization === fresh).length === 6, 'six retried report calls')
  await waitText(page, '重要价值客户')
  t.is(s.logins, 1)
  t.is(s.calls.filter((c) => c.path === '/login').length, 1)
  t.is(s.calls.filter((c) => c.path.startsWith('/reports')).length, 12)
  t.deepEqual(s.navs, [], 'nobody was sent to the login page')
})

test.serial('no answer at all shows a network message', async (t) => {
  const s = stubWx()
  signedInAs(s, 'rep')
  ;(wx as any).request = (o: any) => setTimeout(() => o.fail({ errMsg: 'request:fail timeout' }), 0)
  const page = open(me)
  await waitText(page, '网络连接失败，请检查网络后重试')
  t.pass()
})

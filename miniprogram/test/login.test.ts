import test from 'ava'
import { fixture, input, loadPage, open, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/login/login')

test.serial('a new WeChat user gets the invite form; a wrong code shows the API message; a right one signs in', async (t) => {
  const s = stubWx({ 'POST /login': fixture('login-needs-binding') })
  s.set('POST /bind', (c) => (c.data.inviteCode === 'GOOD-CODE' ? fixture('bind') : fixture('bind-invalid-invite')))
  const page = open(id)
  await waitText(page, '绑定员工账号')
  t.is(s.calls[0]!.data.code, 'code-1')
  t.falsy(s.calls[0]!.header.Authorization)

  tap(page, '#bind')
  await waitText(page, '请输入管理员发给您的邀请码')
  t.is(s.calls.length, 1, 'an empty code is refused before any request')

  input(page, '#invite', 'WRONG-0000')
  tap(page, '#bind')
  await waitText(page, fixture('bind-invalid-invite').body && (fixture('bind-invalid-invite').body as any).error.message)
  t.is(s.calls[1]!.data.bindToken, (fixture('login-needs-binding').body as any).bindToken)

  input(page, '#invite', 'GOOD-CODE')
  tap(page, '#bind')
  await waitFor(() => s.navs.some((n) => n.api === 'switchTab' && n.url === '/pages/home/home'), 'switch to home')
  const bound = fixture('bind').body as any
  t.is(s.store.get('siyu.accessToken'), bound.accessToken)
  t.is(s.store.get('siyu.refreshToken'), bound.refreshToken)
  t.is((s.store.get('siyu.staff') as any).role, bound.staff.role)
  t.false(s.store.has('siyu.bindToken'))
})

test.serial('a bound user goes straight to the dashboard', async (t) => {
  const s = stubWx({ 'POST /login': fixture('login-bound') })
  open(id)
  await waitFor(() => s.navs.some((n) => n.api === 'switchTab'), 'switch to home')
  t.is(s.store.get('siyu.accessToken'), (fixture('login-bound').body as any).accessToken)
})

test.serial('a failing login shows the error and retries on tap', async (t) => {
  const s = stubWx({ 'POST /login': { status: 503, body: { error: { code: 'MP.WECHAT_UNAVAILABLE', message: '微信服务暂不可用，请稍后重试' } } } })
  const page = open(id)
  await waitText(page, '微信服务暂不可用，请稍后重试')
  s.set('POST /login', fixture('login-needs-binding'))
  tap(page, '#retry')
  await waitText(page, '绑定员工账号')
  t.is(s.logins, 2)
  t.false(text(page).includes('微信服务暂不可用'))
})

test.serial('in DevTools with a sandbox openid set, the code comes from the local sandbox instead of wx.login', async (t) => {
  const s = stubWx({ 'POST /sandbox/wx-login': { status: 200, body: { code: 'sandbox-code-1' } }, 'POST /login': fixture('login-bound') })
  s.store.set('siyu.devSandbox', { adminKey: 'dev-admin-key', openid: 'o-hq001' })
  open(id)
  await waitFor(() => s.navs.some((n) => n.api === 'switchTab'), 'switch to home')
  t.is(s.logins, 0)
  t.deepEqual(s.calls[0]!.data, { openid: 'o-hq001' })
  t.is(s.calls[0]!.header.Authorization, 'Bearer dev-admin-key')
  t.deepEqual(s.calls[1]!.data, { code: 'sandbox-code-1' })
})

test.serial('the product is called 思域 wherever people read it (title bar and login brand)', async (t) => {
  stubWx({ 'POST /login': fixture('login-needs-binding') })
  const page = open(id)
  await waitText(page, '绑定员工账号')
  t.is(text(page.querySelector('.brand')!), '思域')
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const app = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '../src/app.json'), 'utf8'))
  t.is(app.window.navigationBarTitleText, '思域')
})

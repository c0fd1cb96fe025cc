import test from 'ava'
import { fixture, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/me/me')

test.serial('shows who I am and refreshes the stored role', async (t) => {
  const s = stubWx({ 'GET /me': fixture('me-rep') })
  signedInAs(s, 'store_manager')
  const page = open(id)
  const me = fixture('me-rep').body as any
  await waitText(page, me.name)
  t.true(text(page).includes('导购'))
  t.is((s.store.get('siyu.staff') as any).role, 'rep')
  t.true(me.storeName.length > 0)
  t.is(text(page.querySelector('#store')!), `门店 ${me.storeName}`, 'the store by name, not its number')
  t.false(text(page).includes('门店编号'))
})

test.serial('logout revokes the refresh token, clears the session and goes to login', async (t) => {
  const s = stubWx({ 'GET /me': fixture('me-manager'), 'POST /logout': { status: 204, body: '' } })
  signedInAs(s, 'store_manager')
  const page = open(id)
  await waitText(page, (fixture('me-manager').body as any).name)
  tap(page, '#logout')
  await waitFor(() => s.navs.some((n) => n.api === 'reLaunch' && n.url === '/pages/login/login'), 'to login')
  t.deepEqual(s.calls[1]!.data, { refreshToken: 'refresh-store_manager' })
  t.false(s.store.has('siyu.accessToken'))
  t.false(s.store.has('siyu.refreshToken'))
})

test.serial('a failed logout still signs out locally and says so', async (t) => {
  const s = stubWx({ 'GET /me': fixture('me-manager'), 'POST /logout': { status: 500, body: { error: { code: 'INTERNAL', message: '服务器内部错误' } } } })
  signedInAs(s, 'store_manager')
  const page = open(id)
  await waitText(page, (fixture('me-manager').body as any).name)
  tap(page, '#logout')
  await waitFor(() => s.navs.some((n) => n.api === 'reLaunch'), 'to login')
  t.true(s.toasts.some((x) => x.includes('已在本机退出') && x.includes('服务器内部错误')))
  t.false(s.store.has('siyu.accessToken'))
})

test.serial('an error shows with retry', async (t) => {
  const s = stubWx({ 'GET /me': { status: 500, body: { error: { code: 'INTERNAL', message: '服务器内部错误' } } } })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, '服务器内部错误')
  s.set('GET /me', fixture('me-rep'))
  tap(page, '#state >>> .retry')
  await waitText(page, (fixture('me-rep').body as any).name)
  t.pass()
})

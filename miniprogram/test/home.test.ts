import test from 'ava'
import { fixture, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/home/home')

test.serial('shows today\'s numbers and a 7-day bar per day from the dashboard', async (t) => {
  const s = stubWx({ 'GET /dashboard': fixture('dashboard') })
  signedInAs(s, 'store_manager')
  const page = open(id)
  t.true(text(page).includes('加载中'))
  const d = fixture('dashboard').body as any
  await waitText(page, `今日（${d.day}）`)
  t.true(text(page.querySelector('.tile-adds')!).includes(String(d.today.adds)))
  t.true(text(page.querySelector('.tile-tasksDue')!).includes(String(d.today.tasksDue)))
  t.true(text(page.querySelector('.tile-revenue')!).includes(`¥${(d.today.revenueFen / 100).toFixed(2)}`))
  const bars = page.querySelectorAll('.bar-col')
  t.is(bars.length, d.trend.length)
  bars.forEach((b, i) => t.true(text(b).includes(String(d.trend[i].scans)) && text(b).includes(d.trend[i].day.slice(5))))
  t.is(s.calls[0]!.header.Authorization, 'Bearer access-store_manager')
  tap(page, '#metric-orders')
  await waitFor(() => page.querySelectorAll('.bar-col').every((b, i) => text(b).startsWith(String(d.trend[i].orders))), 'bars show orders')
  const peak = d.trend.findIndex((x: any) => x.orders === Math.max(...d.trend.map((y: any) => y.orders)))
  t.is((page.instance as any).data.bars[peak].height, 100)
  t.is(page.querySelector('#store-picker'), undefined)
})

test.serial('an error is shown with a retry that reloads', async (t) => {
  const s = stubWx({ 'GET /dashboard': { status: 500, body: { error: { code: 'INTERNAL', message: '服务器内部错误，请稍后重试' } } } })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, '服务器内部错误，请稍后重试')
  s.set('GET /dashboard', fixture('dashboard'))
  tap(page, '#state >>> .retry')
  await waitText(page, '今日（')
  t.false(text(page).includes('服务器内部错误'))
})

test.serial('HQ picks a store and the dashboard is asked for that store', async (t) => {
  const s = stubWx({ 'GET /dashboard': fixture('dashboard'), 'GET /stores': fixture('stores') })
  signedInAs(s, 'hq_admin')
  const page = open(id)
  await waitText(page, '门店：全部门店')
  await waitFor(() => (page.instance as any).data.stores.length === 2, 'stores loaded')
  t.is(s.calls.find((c) => c.path === '/dashboard')!.query, '')
  page.querySelector('#store-picker')!.dispatchEvent('change', { detail: { value: 2 } })
  await waitText(page, '门店：万达店')
  await waitFor(() => s.calls.filter((c) => c.path === '/dashboard').length === 2)
  t.is(s.calls.filter((c) => c.path === '/dashboard')[1]!.query, 'storeId=2')
})

test.serial('the channel and journey entries navigate', async (t) => {
  const s = stubWx({ 'GET /dashboard': fixture('dashboard') })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, '今日')
  for (const n of page.querySelectorAll('.nav')) n.dispatchEvent('tap')
  await waitFor(() => s.navs.length === 2)
  t.deepEqual(s.navs.map((n) => n.url), ['/pages/channels/channels', '/pages/journeys/journeys'])
})

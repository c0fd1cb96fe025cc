import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/channels/channels')
// The recording has one active channel; a paused one is added from the recorded pause answer.
const recorded = fixture('channels')
const c1 = (recorded.body as any).items[0]
const c2 = { ...(fixture('channel-pause').body as any), id: 99, name: '已暂停的渠道' }
const list = { status: 200, body: { ...(recorded.body as any), items: [c1, c2], total: 2 } }

test.serial('lists channels with their 30-day funnel; a manager can create; tapping opens the detail', async (t) => {
  const s = stubWx({ 'GET /channels': list })
  signedInAs(s, 'store_manager')
  const page = open(id)
  await waitText(page, c1.name)
  const card = page.querySelector(`#channel-${c1.id}`)!
  for (const n of [c1.funnel.scans, c1.funnel.leads, c1.funnel.adds, c1.funnel.firstOrders]) t.true(text(card).includes(String(n)))
  t.true(text(card).includes(c1.funnel.scans ? `${Math.round((c1.funnel.adds / c1.funnel.scans) * 100)}%` : '-加微率'))
  t.true(text(page.querySelector(`#channel-${c2.id}`)!).includes('已暂停'))
  tap(page, '#create')
  tap(page, `#channel-${c1.id}`)
  await waitFor(() => s.navs.length === 2)
  t.deepEqual(s.navs.map((n) => n.url), ['/pages/channel-create/channel-create', `/pages/channel-detail/channel-detail?id=${c1.id}`])
})

test.serial('a rep has no create button', async (t) => {
  const s = stubWx({ 'GET /channels': list })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, c1.name)
  t.is(page.querySelector('#create'), undefined)
})

test.serial('status filter and search are sent; nothing found shows the empty state', async (t) => {
  const s = stubWx({ 'GET /channels': list })
  signedInAs(s, 'store_manager')
  const page = open(id)
  await waitText(page, c1.name)
  tap(page, '#status-paused')
  await waitFor(() => s.calls.length === 2)
  t.is(s.calls[1]!.query, 'status=paused&limit=20&offset=0')
  s.set('GET /channels', fixture('channels-empty'))
  input(page, '#q', '无此渠道')
  tap(page, '#search')
  await waitText(page, '还没有渠道')
  t.is(s.calls[2]!.query, `status=paused&q=${encodeURIComponent('无此渠道')}&limit=20&offset=0`)
})

test.serial('an error shows the message and retry reloads', async (t) => {
  const s = stubWx({ 'GET /channels': { status: 502, body: '<html>bad gateway</html>' } })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, '服务器开小差了，请稍后重试')
  s.set('GET /channels', list)
  tap(page, '#state >>> .retry')
  await waitText(page, c1.name)
  t.pass()
})

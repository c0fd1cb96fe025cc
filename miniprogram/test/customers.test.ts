import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/customers/customers')
const list = fixture('customers-manager')
const names = (list.body as any).items.map((c: any) => c.name) as string[]

function world(role: 'hq_admin' | 'store_manager' | 'rep' = 'store_manager') {
  const s = stubWx({ 'GET /customers': list, 'GET /channels': fixture('channels'), 'GET /stores': fixture('stores') })
  signedInAs(s, role)
  return s
}
const customerCalls = (s: ReturnType<typeof stubWx>) => s.calls.filter((c) => c.path === '/customers')

test.serial('lists customers with masked phones, stage and tags; tapping one opens the detail', async (t) => {
  const s = world()
  const page = open(id)
  t.true(text(page).includes('加载中'))
  await waitText(page, `共 ${(list.body as any).total} 位客户`)
  for (const n of names) t.true(text(page).includes(n))
  t.true(text(page).includes('138****1234'))
  t.true(text(page).includes('新客'))
  const first = (list.body as any).items[0]
  tap(page, `#customer-${first.id}`)
  await waitFor(() => s.navs.length === 1)
  t.is(s.navs[0]!.url, `/pages/customer-detail/customer-detail?id=${first.id}`)
})

test.serial('search sends the name or phone tail and the tag; a wrong-length tail is refused before asking', async (t) => {
  const s = world()
  const page = open(id)
  await waitText(page, '共 ')
  input(page, '#q', '123')
  tap(page, '#search')
  await waitText(page, '手机尾号请输入 4 位数字')
  t.is(customerCalls(s).length, 1)
  input(page, '#q', '1234')
  input(page, '#tag', '已购买')
  tap(page, '#search')
  await waitFor(() => customerCalls(s).length === 2)
  t.is(customerCalls(s)[1]!.query, `q=1234&tag=${encodeURIComponent('已购买')}&limit=20&offset=0`)
})

test.serial('filters by stage, segment and channel; HQ also by store', async (t) => {
  const s = world('hq_admin')
  const page = open(id)
  await waitText(page, '共 ')
  tap(page, '#toggle-filters')
  await waitFor(() => !!page.querySelector('#stage-picker'))
  await waitFor(() => (page.instance as any).data.stores.length === 2 && (page.instance as any).data.channels.length === (fixture('channels').body as any).items.length, 'filter options loaded')
  page.querySelector('#stage-picker')!.dispatchEvent('change', { detail: { value: 3 } })
  await waitFor(() => customerCalls(s).length === 2)
  page.querySelector('#segment-picker')!.dispatchEvent('change', { detail: { value: 1 } })
  await waitFor(() => customerCalls(s).length === 3)
  page.querySelector('#channel-picker')!.dispatchEvent('change', { detail: { value: 1 } })
  await waitFor(() => customerCalls(s).length === 4)
  page.querySelector('#store-picker')!.dispatchEvent('change', { detail: { value: 2 } })
  await waitFor(() => customerCalls(s).length === 5)
  t.is(customerCalls(s)[4]!.query, 'stage=repeat&segment=important_value&channelId=1&storeId=2&limit=20&offset=0')
})

test.serial('a store manager gets no store filter', async (t) => {
  world('store_manager')
  const page = open(id)
  await waitText(page, '共 ')
  tap(page, '#toggle-filters')
  await waitFor(() => !!page.querySelector('#stage-picker'))
  t.is(page.querySelector('#store-picker'), undefined)
})

test.serial('an empty result says so', async (t) => {
  const s = world()
  s.set('GET /customers', fixture('customers-empty'))
  const page = open(id)
  await waitText(page, '没有符合条件的客户')
  t.is(page.querySelectorAll('.customer').length, 0)
})

test.serial('a 400 shows the API message and retry asks again', async (t) => {
  const s = world()
  s.set('GET /customers', fixture('customers-invalid'))
  const page = open(id)
  await waitText(page, (fixture('customers-invalid').body as any).error.message)
  s.set('GET /customers', list)
  tap(page, '#state >>> .retry')
  await waitText(page, names[0]!)
  t.is(customerCalls(s).length, 2)
})

test.serial('加载更多 asks for the next page and appends', async (t) => {
  const s = world()
  const item = (i: number) => ({ ...(list.body as any).items[0], id: i, name: `客户${i}` })
  s.set('GET /customers', (c) => {
    const offset = Number(new URLSearchParams(c.query).get('offset'))
    return { status: 200, body: { items: Array.from({ length: offset ? 5 : 20 }, (_, i) => item(offset + i + 1)), total: 25, limit: 20, offset } }
  })
  const page = open(id)
  await waitText(page, '客户20')
  t.false(text(page).includes('客户21'))
  tap(page, '#more')
  await waitText(page, '客户25')
  t.is(page.querySelectorAll('.customer').length, 25)
  t.true(text(page).includes('没有更多了'))
})

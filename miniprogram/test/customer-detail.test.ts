import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/customer-detail/customer-detail')
const detail = fixture('customer-detail')
const c = detail.body as any

function world(role: 'hq_admin' | 'store_manager' | 'rep') {
  const s = stubWx({ [`GET /customers/${c.id}`]: detail, [`POST /customers/${c.id}/reveal-phone`]: fixture('reveal-phone') })
  signedInAs(s, role)
  return s
}

test.serial('shows the customer, masked phone, tags and a readable timeline', async (t) => {
  world('store_manager')
  const page = open(id, { id: String(c.id) })
  await waitText(page, c.name)
  t.true(text(page).includes(c.phoneMasked))
  t.true(text(page).includes('来源渠道:电梯广告-3号楼-A'))
  t.true(text(page).includes('添加企业微信'))
  t.true(text(page).includes('发送欢迎语'))
  t.is(page.querySelectorAll('.event').length, c.timeline.length)
})

test.serial('× shows only on tags the server says are removable (not on 已加微/已购买), and removes by tag id', async (t) => {
  const s = world('store_manager')
  s.set(`POST /customers/${c.id}`, fixture('customer-patch'))
  const page = open(id, { id: String(c.id) })
  await waitText(page, c.name)
  const removable = c.tags.filter((x: { removable: boolean }) => x.removable)
  t.true(removable.length > 0 && removable.length < c.tags.length, 'the fixture has both kinds')
  t.is(page.querySelectorAll('.remove').length, removable.length)
  c.tags.forEach((x: { removable: boolean; kind: string }, i: number) => {
    t.is(!!page.querySelector(`#remove-tag-${i}`), x.removable, `tag ${i}`)
    if (x.kind === 'behaviour') t.false(x.removable)
  })
  const last = c.tags.length - 1
  t.false(c.tags[last].removable)
  const i = c.tags.findIndex((x: { group: string }) => x.group === '电梯')
  tap(page, `#remove-tag-${i}`)
  await waitFor(() => s.calls.length === 2)
  t.deepEqual(s.calls[1]!.data, { tags: { remove: [{ id: c.tags[i].id }] } })
})

test.serial('a manager reveals the full number (audited server-side); the button then gives way to 拨打', async (t) => {
  const s = world('store_manager')
  const page = open(id, { id: String(c.id) })
  await waitText(page, '查看完整号码')
  tap(page, '#reveal')
  await waitText(page, (fixture('reveal-phone').body as any).phone)
  t.is(s.calls.at(-1)!.path, `/customers/${c.id}/reveal-phone`)
  t.is(s.calls.at(-1)!.method, 'POST')
  t.is(page.querySelector('#reveal'), undefined)
  t.truthy(page.querySelector('#call'))
})

test.serial('a rep sees no reveal button', async (t) => {
  world('rep')
  const page = open(id, { id: String(c.id) })
  await waitText(page, c.name)
  t.is(page.querySelector('#reveal'), undefined)
  t.false(text(page).includes('查看完整号码'))
})

test.serial('a refused reveal shows the API message', async (t) => {
  const s = world('store_manager')
  s.set(`POST /customers/${c.id}/reveal-phone`, fixture('reveal-phone-forbidden'))
  const page = open(id, { id: String(c.id) })
  await waitText(page, '查看完整号码')
  tap(page, '#reveal')
  await waitFor(() => s.modals.length === 1)
  t.is(s.modals[0]!.content, (fixture('reveal-phone-forbidden').body as any).error.message)
})

test.serial('adding a tag validates, then PATCHes (as POST + X-HTTP-Method-Override) and shows the answer', async (t) => {
  const s = world('rep')
  s.set(`POST /customers/${c.id}`, fixture('customer-patch'))
  const page = open(id, { id: String(c.id) })
  await waitText(page, c.name)
  tap(page, '#add-tag')
  await waitText(page, '请输入标签名')
  input(page, '#new-tag', '已加微')
  tap(page, '#add-tag')
  await waitText(page, '已有这个标签')
  t.is(s.calls.length, 1)
  input(page, '#new-tag', '高意向')
  tap(page, '#add-tag')
  await waitText(page, '高意向')
  const patch = s.calls.at(-1)!
  t.is(patch.header['X-HTTP-Method-Override'], 'PATCH')
  t.deepEqual(patch.data, { tags: { add: ['高意向'] } })
  t.true(s.toasts.includes('已添加标签'))
})

test.serial('removing a tag and saving the note send their patches; an API error is shown', async (t) => {
  const s = world('rep')
  s.set(`POST /customers/${c.id}`, (call) => (call.data.note === 'x'.repeat(10) ? { status: 400, body: { error: { code: 'REQUEST.INVALID', message: '备注包含不支持的字符' } } } : fixture('customer-patch')))
  const page = open(id, { id: String(c.id) })
  await waitText(page, c.name)
  tap(page, '#remove-tag-0')
  await waitFor(() => s.calls.length === 2)
  t.deepEqual(s.calls[1]!.data, { tags: { remove: [{ id: c.tags[0].id }] } })
  input(page, '#note', '  ')
  tap(page, '#save-note')
  await waitText(page, '请填写备注内容')
  input(page, '#note', '喜欢周末到店')
  tap(page, '#save-note')
  await waitFor(() => s.calls.length === 3, 'note sent')
  t.deepEqual(s.calls[2]!.data, { note: '喜欢周末到店' })
  await waitFor(() => s.toasts.includes('备注已添加'), 'note saved')
  t.true(text(page).includes('添加备注'))
  t.is((page.instance as any).data.note, '', 'the field is emptied once the note is on the timeline')
  input(page, '#note', 'x'.repeat(10))
  tap(page, '#save-note')
  await waitText(page, '备注包含不支持的字符')
  input(page, '#note', 'y'.repeat(501))
  tap(page, '#save-note')
  await waitText(page, '备注最多 500 字')
  t.is(s.calls.length, 4)
})

test.serial('an id from another store reads as not found, with retry', async (t) => {
  const s = world('rep')
  s.set('GET /customers/999999', fixture('customer-not-found'))
  const page = open(id, { id: '999999' })
  await waitText(page, (fixture('customer-not-found').body as any).error.message)
  t.truthy(page.querySelector('#state >>> .retry'))
  t.is(s.calls.length, 1)
})

test.serial('记录订单 opens the order form for this customer', async (t) => {
  const s = world('rep')
  const page = open(id, { id: String(c.id) })
  await waitText(page, c.name)
  tap(page, '#order')
  await waitFor(() => s.navs.length === 1)
  t.is(s.navs[0]!.url, `/pages/order-create/order-create?customerId=${c.id}&name=${encodeURIComponent(c.name)}`)
})

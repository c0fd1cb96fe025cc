import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/channel-create/channel-create')

function world(role: 'hq_admin' | 'store_manager' = 'store_manager') {
  const s = stubWx({ 'POST /channels': fixture('channel-create'), 'POST /channels/batch': fixture('channel-batch'), 'GET /stores': fixture('stores') })
  signedInAs(s, role)
  s.store.set('siyu.staff', { ...(s.store.get('siyu.staff') as object), wecomUserId: 'mgr001' })
  return s
}

test.serial('single channel: validates, posts the form and lists what was created', async (t) => {
  const s = world()
  const page = open(id)
  await waitText(page, '创建渠道')
  tap(page, '#submit')
  await waitText(page, '渠道名称需 1–30 字')
  input(page, '#name', '收银台立牌')
  input(page, '#staff', 'rep001，坏账号')
  tap(page, '#submit')
  await waitText(page, '导购账号「坏账号」格式不正确')
  input(page, '#staff', 'rep001')
  input(page, '#attributes', '楼栋')
  tap(page, '#submit')
  await waitText(page, '投放属性「楼栋」请写成 名称=取值')
  t.is(s.calls.length, 0)
  input(page, '#attributes', '楼栋=3号楼, 电梯：A')
  input(page, '#tags', '收银台')
  page.querySelector('#kind')!.dispatchEvent('change', { detail: { value: 3 } })
  tap(page, '#submit')
  const created = fixture('channel-create').body as any
  await waitText(page, '已创建 1 个渠道')
  t.deepEqual(s.calls[0]!.data, {
    name: '收银台立牌',
    kind: 'counter',
    staffUserIds: ['rep001'],
    welcomeText: '您好{name}，感谢关注！有任何问题随时在这里留言。',
    tags: ['收银台'],
    attributes: { 楼栋: '3号楼', 电梯: 'A' },
  })
  tap(page, `#created-${created.id}`)
  await waitFor(() => s.navs.length === 1)
  t.is(s.navs[0]!.url, `/pages/channel-detail/channel-detail?id=${created.id}`)
})

test.serial('placement batch: counts the matrix and posts the dimensions', async (t) => {
  const s = world()
  const page = open(id)
  tap(page, '#mode-batch')
  await waitText(page, '批量创建')
  input(page, '#prefix', '电梯')
  input(page, '#dim-label-0', '楼栋')
  input(page, '#dim-values-0', '1号楼, 2号楼')
  tap(page, '#add-dim')
  await waitFor(() => !!page.querySelector('#dim-label-1'))
  input(page, '#dim-label-1', '电梯')
  input(page, '#dim-values-1', 'A B')
  await waitText(page, '共 4 个渠道')
  tap(page, '#submit')
  await waitText(page, '已创建 4 个渠道')
  t.deepEqual(s.calls[0]!.data.dimensions, [
    { label: '楼栋', values: ['1号楼', '2号楼'] },
    { label: '电梯', values: ['A', 'B'] },
  ])
  t.is(s.calls[0]!.data.prefix, '电梯')
  t.is(page.querySelectorAll('.created').length, 4)
})

test.serial('repeated values in a dimension are refused before asking', async (t) => {
  const s = world()
  const page = open(id)
  tap(page, '#mode-batch')
  await waitText(page, '批量创建')
  input(page, '#prefix', '电梯')
  input(page, '#dim-label-0', '楼栋')
  input(page, '#dim-values-0', '1号楼, 1号楼')
  tap(page, '#submit')
  await waitText(page, '同一维度的取值不能重复')
  t.is(s.calls.length, 0)
})

test.serial('HQ chooses the store; the API\'s 400 message is shown', async (t) => {
  const s = world('hq_admin')
  s.set('POST /channels', fixture('channel-create-invalid'))
  const page = open(id)
  await waitFor(() => (page.instance as any).data.stores.length === 2, 'stores loaded')
  page.querySelector('#store')!.dispatchEvent('change', { detail: { value: 1 } })
  input(page, '#name', '海报A')
  tap(page, '#submit')
  await waitText(page, (fixture('channel-create-invalid').body as any).error.message)
  t.is(s.calls.find((c) => c.path === '/channels')!.data.storeId, 2)
  t.false(text(page).includes('已创建'))
})

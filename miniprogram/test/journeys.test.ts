import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const list = loadPage('pages/journeys/journeys')
const edit = loadPage('pages/journey-edit/journey-edit')
const items = (fixture('journeys').body as any).items
/** The store's own journey (the manager may change it) and a shipped HQ one (read-only for them). */
const j1 = items.find((j: any) => j.canEdit)
const hqJourney = items.find((j: any) => !j.canEdit)

test.serial('lists journeys with trigger and stats; a manager disables and enables their store journey, not an HQ one', async (t) => {
  const s = stubWx({ 'GET /journeys': fixture('journeys'), [`POST /journeys/${j1.id}/disable`]: fixture('journey-disable'), [`POST /journeys/${j1.id}/enable`]: fixture('journey-enable') })
  signedInAs(s, 'store_manager')
  const page = open(list)
  await waitText(page, j1.name)
  const card = () => text(page.querySelector(`#journey-${j1.id}`)!)
  t.true(card().includes(`触发：打上标签后`))
  t.true(card().includes(`进入 ${j1.stats.entered}`))
  t.true(card().includes('已启用'))
  t.true(text(page.querySelector(`#journey-${hqJourney.id}`)!).includes('触发：下单后'))
  t.is(page.querySelector(`#toggle-${hqJourney.id}`), undefined, 'an HQ journey has no toggle for a store manager')
  tap(page, `#toggle-${j1.id}`)
  await waitFor(() => card().includes('已停用'), 'disabled')
  tap(page, `#toggle-${j1.id}`)
  await waitFor(() => card().includes('已启用'), 'enabled again')
  t.deepEqual(s.calls.slice(1).map((c) => c.path), [`/journeys/${j1.id}/disable`, `/journeys/${j1.id}/enable`])
})

test.serial('a rep only views: no toggles; an error shows with retry', async (t) => {
  const s = stubWx({ 'GET /journeys': { status: 500, body: { error: { code: 'INTERNAL', message: '服务器内部错误，请稍后重试' } } } })
  signedInAs(s, 'rep')
  const page = open(list)
  await waitText(page, '服务器内部错误，请稍后重试')
  s.set('GET /journeys', fixture('journeys'))
  tap(page, '#state >>> .retry')
  await waitText(page, j1.name)
  t.is(page.querySelector(`#toggle-${j1.id}`), undefined)
  t.true(text(page).includes('查看'))
})

test.serial('editing: delays and texts are validated and sent as one patch', async (t) => {
  const s = stubWx({ [`GET /journeys/${j1.id}`]: fixture('journey-detail'), [`POST /journeys/${j1.id}`]: fixture('journey-patch') })
  signedInAs(s, 'store_manager')
  const page = open(edit, { id: String(j1.id) })
  await waitText(page, '第 1 步 · 等待')
  t.true(text(page).includes('1 天'))
  input(page, '#delay-0', '12.5')
  tap(page, '#save')
  await waitText(page, '第 1 步：等待时间请输入')
  input(page, '#delay-0', '720')
  await waitText(page, '12 小时')
  input(page, '#text-1', '   ')
  tap(page, '#save')
  await waitText(page, '第 2 步：消息内容不能为空')
  t.is(s.calls.length, 1)
  input(page, '#text-1', '{name}您好，用得还好吗？')
  tap(page, '#save')
  await waitFor(() => s.toasts.includes('已保存'), 'saved')
  const call = s.calls[1]!
  t.is(call.header['X-HTTP-Method-Override'], 'PATCH')
  const detail = (fixture('journey-detail').body as any).steps
  t.deepEqual(call.data, {
    steps: [
      { id: 0, delayMinutes: 720 },
      { id: 1, templateText: '{name}您好，用得还好吗？' },
      { id: 2, delayMinutes: detail[2].delayMinutes },
      { id: 3, templateText: detail[3].templateText },
    ],
  })
})

test.serial('editing: the API message of a refused patch is shown; a rep gets no save button', async (t) => {
  const s = stubWx({ [`GET /journeys/${j1.id}`]: fixture('journey-detail'), [`POST /journeys/${j1.id}`]: fixture('journey-patch-invalid') })
  signedInAs(s, 'store_manager')
  const page = open(edit, { id: String(j1.id) })
  await waitText(page, '第 1 步')
  tap(page, '#save')
  await waitText(page, (fixture('journey-patch-invalid').body as any).error.message)
  signedInAs(s, 'rep')
  const ro = open(edit, { id: String(j1.id) })
  await waitText(ro, '第 1 步')
  t.is(ro.querySelector('#save'), undefined)
})

test.serial('a shipped HQ journey (canEdit false for a store manager) is read-only for them', async (t) => {
  const s = stubWx({ 'GET /journeys': fixture('journeys'), [`GET /journeys/${hqJourney.id}`]: { status: 200, body: hqJourney } })
  signedInAs(s, 'store_manager')
  const page = open(list)
  await waitText(page, hqJourney.name)
  t.is(page.querySelector(`#toggle-${hqJourney.id}`), undefined)
  const ro = open(edit, { id: String(hqJourney.id) })
  await waitText(ro, '第 1 步')
  t.is(ro.querySelector('#save'), undefined)
})

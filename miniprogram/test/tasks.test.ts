import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/tasks/tasks')
const mine = fixture('tasks-mine')
const first = (mine.body as any).items[0]

test.serial('a rep sees today\'s tasks, no store tab, and completes one with an outcome', async (t) => {
  const s = stubWx({ 'GET /tasks': mine, [`POST /tasks/${first.id}/complete`]: fixture('task-complete') })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, first.title)
  t.is(s.calls[0]!.query, 'scope=mine&limit=50&offset=0')
  t.is(page.querySelector('#scope-store'), undefined)
  t.is(page.querySelectorAll('.task').length, (mine.body as any).items.length)

  tap(page, `#complete-${first.id}`)
  await waitFor(() => !!page.querySelector('#outcome'))
  tap(page, '#submit')
  await waitText(page, '请填写跟进结果')
  t.is(s.calls.length, 1)
  input(page, '#outcome', '已回访，客户满意')
  tap(page, '#submit')
  await waitFor(() => !text(page).includes(first.title), 'the task leaves the list')
  t.deepEqual(s.calls[1]!.data, { outcome: '已回访，客户满意' })
  t.true(s.toasts.includes('任务已完成'))
})

test.serial('a quick outcome fills the field; a task closed meanwhile shows the API message and reloads', async (t) => {
  const s = stubWx({ 'GET /tasks': mine, [`POST /tasks/${first.id}/complete`]: fixture('task-complete-closed') })
  signedInAs(s, 'rep')
  const page = open(id)
  await waitText(page, first.title)
  tap(page, `#complete-${first.id}`)
  await waitFor(() => page.querySelectorAll('.quick').length > 0)
  page.querySelectorAll('.quick')[0]!.dispatchEvent('tap')
  await waitFor(() => (page.instance as any).data.outcome === '已联系，客户满意')
  tap(page, '#submit')
  const msg = (fixture('task-complete-closed').body as any).error.message
  await waitFor(() => s.toasts.includes(msg), 'the 409 message')
  await waitFor(() => s.calls.filter((c) => c.path === '/tasks').length === 2, 'a reload')
  t.pass()
})

test.serial('a manager switches to the store\'s tasks', async (t) => {
  const s = stubWx({ 'GET /tasks': (c) => (c.query.startsWith('scope=store') ? fixture('tasks-store') : mine) })
  signedInAs(s, 'store_manager')
  const page = open(id)
  await waitText(page, first.title)
  tap(page, '#scope-store')
  const storeTask = (fixture('tasks-store').body as any).items.find((x: any) => x.staffUserId === 'mgr001')
  await waitText(page, storeTask.title)
  t.true(text(page).includes('负责人：'))
})

test.serial('no tasks: an empty state; an error: the message and retry', async (t) => {
  const s = stubWx({ 'GET /tasks': fixture('tasks-empty') })
  signedInAs(s, 'hq_admin')
  const page = open(id)
  await waitText(page, '今天没有待办任务')
  s.set('GET /tasks', fixture('tasks-store-forbidden'))
  tap(page, '#scope-store')
  await waitText(page, (fixture('tasks-store-forbidden').body as any).error.message)
  s.set('GET /tasks', fixture('tasks-store'))
  tap(page, '#state >>> .retry')
  await waitText(page, (fixture('tasks-store').body as any).items[0].title)
  t.pass()
})

import test from 'ava'
import { fixture, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/channel-detail/channel-detail')
const ch = fixture('channel-detail').body as any

function world(role: 'store_manager' | 'rep') {
  const s = stubWx({ [`GET /channels/${ch.id}`]: fixture('channel-detail'), [`POST /channels/${ch.id}/pause`]: fixture('channel-pause'), [`POST /channels/${ch.id}/resume`]: fixture('channel-resume') })
  signedInAs(s, role)
  return s
}

test.serial('shows the channel and downloads its poster with the access token', async (t) => {
  const s = world('rep')
  const page = open(id, { id: String(ch.id) })
  await waitText(page, ch.name)
  t.true(text(page).includes(ch.welcomeText))
  t.true(text(page).includes('楼栋：3号楼'))
  await waitFor(() => (page.instance as any).data.poster !== '', 'poster downloaded')
  t.is(s.downloads[0]!.url, `http://127.0.0.1:3000/api/mp/channels/${ch.id}/poster.png`)
  t.is(s.downloads[0]!.header.Authorization, 'Bearer access-rep')
  t.is(page.querySelector('#toggle'), undefined, 'a rep cannot pause')
})

test.serial('保存到相册 saves the downloaded poster', async (t) => {
  const s = world('rep')
  const page = open(id, { id: String(ch.id) })
  await waitFor(() => (page.instance as any).data.poster !== '', 'poster downloaded')
  tap(page, '#save')
  await waitFor(() => s.saved.length === 1)
  t.is(s.saved[0], (page.instance as any).data.poster)
  t.true(s.toasts.includes('已保存到相册'))
})

test.serial('a refused album permission explains in Chinese and offers the settings', async (t) => {
  const s = world('rep')
  s.saveResult = { errMsg: 'saveImageToPhotosAlbum:fail auth deny' }
  const page = open(id, { id: String(ch.id) })
  await waitFor(() => (page.instance as any).data.poster !== '', 'poster downloaded')
  tap(page, '#save')
  await waitFor(() => s.settingsOpened === 1, 'settings opened')
  t.is(s.modals[0]!.title, '需要相册权限')
  t.true(s.modals[0]!.content!.includes('添加到相册'))
  t.is(s.saved.length, 0)
})

test.serial('a failed poster download shows the API message and retries', async (t) => {
  const s = world('rep')
  s.download = (_u, n) => (n === 1 ? { statusCode: 500, body: JSON.stringify({ error: { code: 'POSTER.RENDER_FAILED', message: '海报生成失败' } }) } : { statusCode: 200 })
  const page = open(id, { id: String(ch.id) })
  await waitText(page, '海报加载失败：海报生成失败')
  tap(page, '#poster-retry')
  await waitFor(() => !!page.querySelector('#save'))
  t.is(s.downloads.length, 2)
})

test.serial('a manager pauses (after confirming) and resumes', async (t) => {
  const s = world('store_manager')
  const page = open(id, { id: String(ch.id) })
  await waitText(page, '投放中')
  tap(page, '#toggle')
  await waitFor(() => text(page.querySelector('#status')!) === '已暂停', 'paused')
  t.is(s.modals[0]!.title, '暂停渠道')
  t.is(s.calls.at(-1)!.path, `/channels/${ch.id}/pause`)
  tap(page, '#toggle')
  await waitFor(() => text(page.querySelector('#status')!) === '投放中', 'resumed')
  t.is(s.calls.at(-1)!.path, `/channels/${ch.id}/resume`)
})

test.serial('cancelling the pause confirmation sends nothing; an error is shown', async (t) => {
  const s = world('store_manager')
  s.modalConfirm = false
  const page = open(id, { id: String(ch.id) })
  await waitText(page, '投放中')
  tap(page, '#toggle')
  await waitFor(() => s.modals.length === 1)
  t.false(s.calls.some((c) => c.path.endsWith('/pause')))
  s.set('GET /channels/999999', fixture('channel-not-found'))
  const other = open(id, { id: '999999' })
  await waitText(other, (fixture('channel-not-found').body as any).error.message)
})

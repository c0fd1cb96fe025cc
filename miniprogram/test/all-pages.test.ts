import fs from 'node:fs'
import path from 'node:path'
import test from 'ava'
import { loadPage, open, root, signedInAs, stubWx, text, waitFor } from './helpers'

// Every page listed in app.json renders, and when every API call fails it says so in Chinese
// (nothing fails silently). The per-page files test the happy paths.
const pages: string[] = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8')).pages
const tabs: string[] = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8')).tabBar.list.map((t: { pagePath: string }) => t.pagePath)
const ids = new Map(pages.map((p) => [p, loadPage(p)]))
const broken = { status: 503, body: { error: { code: 'TEST.DOWN', message: '测试：服务暂不可用' } } }

test('the tab bar has 首页, 客户, 任务, 报表, 我的 and every tab is a page', (t) => {
  const list = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8')).tabBar.list.map((x: { text: string }) => x.text)
  t.deepEqual(list, ['首页', '客户', '任务', '报表', '我的'])
  for (const tab of tabs) t.true(pages.includes(tab), tab)
})

for (const p of pages) {
  test.serial(`${p} renders and shows the API's message when the API fails`, async (t) => {
    const s = stubWx({}, broken)
    signedInAs(s, 'hq_admin')
    const page = open(ids.get(p)!, { id: '1', customerId: '1' })
    t.truthy(page.dom)
    if (p === 'pages/order-create/order-create') {
      // Nothing to load: the form is there at once.
      t.true(text(page).includes('提交订单'))
      return
    }
    await waitFor(() => text(page).includes('测试：服务暂不可用'), () => `${p} shows: ${text(page).slice(0, 300)}`)
    t.true(s.calls.length > 0)
  })
}

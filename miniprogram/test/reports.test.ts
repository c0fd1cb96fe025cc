import test from 'ava'
import { fixture, loadPage, REPORT_FIXTURES, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/reports/reports')

function world(role: 'store_manager' | 'rep') {
  const s = stubWx(Object.fromEntries(Object.entries(REPORT_FIXTURES).map(([k, f]) => [k, fixture(f)])))
  signedInAs(s, role)
  return s
}
const section = (page: ReturnType<typeof open>, name: string) => text(page.querySelector(`#sec-${name}`)!)

test.serial('every report renders from its answer', async (t) => {
  const s = world('store_manager')
  const page = open(id)
  await waitText(page, '重要价值客户')
  await waitFor(() => !text(page).includes('加载中'), 'all sections loaded')
  const funnel = (fixture('report-funnel').body as any).rows[0]
  t.true(section(page, 'funnel').includes(funnel.key))
  t.true(section(page, 'funnel').includes(`加微 ${funnel.adds}`))
  // The funnel shows the API's rates, each over the same people: adds through the shared QR are
  // counted apart (未留资直接加微), not divided by leads.
  const line = section(page, 'funnel').split(funnel.key)[1]!
  t.true(funnel.addsWithoutLead > 0 && funnel.addsFirstOrder < funnel.firstOrders, 'the fixture has shared-QR adds and first orders of earlier adds')
  t.true(line.includes(`未留资直接加微 ${funnel.addsWithoutLead}`))
  t.true(line.includes(`其后首单 ${funnel.addsFirstOrder}（${Math.round(funnel.rates.addToFirstOrder * 1000) / 10}%）`))
  t.true(line.includes(`其中加微 ${funnel.leadsAdded}（-）`), 'no lead, no rate')
  const journey = (fixture('report-journeys').body as any).rows.find((x: any) => x.replied > 0)
  const journeyLine = section(page, 'journeys').split(journey.name)[1]!
  const pctOf = (r: number) => `${Math.round(r * 1000) / 10}%`
  t.true(journeyLine.includes(`回复 ${journey.replied}（${pctOf(journey.rates.replied)}）`), 'the API rate, of those who entered')
  t.true(journeyLine.includes(`转化 ${journey.converted}（${pctOf(journey.rates.converted)}）`))
  const react = fixture('report-reactivation').body as any
  t.true(section(page, 'reactivation').includes(`触达组 ${react.treated.n} 人`))
  t.true(section(page, 'reactivation').includes(`转化率 ${pctOf(react.treated.rate)}`))
  t.true(section(page, 'reactivation').includes(`${react.lift >= 0 ? '+' : ''}${Math.round(react.lift * 1000) / 10} 个百分点`))
  t.true(section(page, 'reactivation').includes(`进入后 ${react.conversionDays} 天内下单算转化`))
  // A lift from a handful of people shows its 95% interval and says it cannot tell yet.
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${Math.round(v * 1000) / 10}`
  t.true(section(page, 'reactivation').includes(`95% 区间 ${signed(react.ci95.low)} ~ ${signed(react.ci95.high)} 个百分点`))
  t.is(react.note, '样本太少，尚不能判断')
  t.true(section(page, 'reactivation').includes(react.note))
  t.true(react.bySegment.length > 0)
  for (const g of react.bySegment) t.true(section(page, 'reactivation').includes(g.label), `segment ${g.segment} shown by its Chinese label`)
  t.false(section(page, 'reactivation').includes('important_'))
  const nps = fixture('report-nps').body as any
  t.true(section(page, 'nps').includes(String(nps.nps)))
  t.true(section(page, 'nps').includes(`推荐者 ${nps.promoters} · 中立者 ${nps.passives} · 贬损者 ${nps.detractors} · 共 ${nps.responses} 份`))
  const rfm = fixture('report-rfm').body as any
  for (const g of rfm.segments) t.true(section(page, 'rfm').includes(g.label))
  t.true(section(page, 'rfm').includes(`共 ${rfm.total} 人`))
  t.regex(section(page, 'rfm'), /\d{2}-\d{2} \d{2}:\d{2} 更新/)
  const ltv = (fixture('report-ltv').body as any).rows[0]
  t.true(section(page, 'ltv').includes(ltv.channelName))
  t.true(section(page, 'ltv').includes(`${ltv.customers} 人 · 人均 ¥${(ltv.ltvFen / 100).toFixed(2)}`))
  const q = new URLSearchParams(s.calls.find((c) => c.path === '/reports/funnel')!.query)
  t.is(q.get('groupBy'), 'channel')
  t.regex(q.get('from')!, /^\d{4}-\d{2}-\d{2}$/)
})

test.serial('one failing report shows its own error; retry reloads only that one', async (t) => {
  const s = world('rep')
  s.set('GET /reports/nps', { status: 500, body: { error: { code: 'INTERNAL', message: 'NPS 暂时无法计算' } } })
  const page = open(id)
  await waitText(page, 'NPS 暂时无法计算')
  await waitText(page, '重要价值客户')
  s.set('GET /reports/nps', fixture('report-nps'))
  const before = s.calls.length
  tap(page, '#state-nps >>> .retry')
  await waitFor(() => section(page, 'nps').includes(`推荐者 ${(fixture('report-nps').body as any).promoters}`), 'nps reloaded')
  t.deepEqual(s.calls.slice(before).map((c) => c.path), ['/reports/nps'])
})

test.serial('empty reports (as a fresh backend answers them) say so', async (t) => {
  const s = world('rep')
  s.set('GET /reports/funnel', { status: 200, body: { rows: [] } })
  for (const r of ['journeys', 'reactivation', 'nps', 'rfm']) s.set(`GET /reports/${r}`, fixture(`report-${r}-empty`))
  const page = open(id)
  await waitText(page, '这段时间没有扫码')
  await waitText(page, '暂无旅程数据')
  await waitText(page, '这段时间没有唤醒活动')
  await waitText(page, '还没有评分')
  await waitText(page, '还没有分层结果')
  t.is(page.querySelectorAll('.hbar-row').length, 0)
})

test.serial('a rep has no export; changing the range reloads with the new dates', async (t) => {
  const s = world('rep')
  const page = open(id)
  await waitText(page, '重要价值客户')
  t.is(page.querySelector('#export'), undefined)
  t.false(text(page).includes('导出'))
  tap(page, '#range-7')
  await waitFor(() => s.calls.filter((c) => c.path === '/reports/funnel').length === 2)
  const [a, b] = s.calls.filter((c) => c.path === '/reports/funnel').map((c) => new URLSearchParams(c.query))
  t.is(a!.get('to'), b!.get('to'))
  t.not(a!.get('from'), b!.get('from'))
})

test.serial('a manager exports CSV: downloaded with the token, then shared as a file', async (t) => {
  const s = world('store_manager')
  const page = open(id)
  await waitText(page, '导出客户')
  tap(page, '#export-customers')
  await waitFor(() => s.shared.length === 1, 'shared')
  t.true(s.downloads[0]!.url.startsWith('http://127.0.0.1:3000/api/mp/export/customers.csv?from='))
  t.is(s.downloads[0]!.header.Authorization, 'Bearer access-store_manager')
  t.regex(s.shared[0]!.fileName!, /^客户_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/)
  t.is(s.shared[0]!.filePath, `wxfile://usr/${s.shared[0]!.fileName}`)
})

test.serial('a refused export shows the API message from the downloaded body', async (t) => {
  const s = world('store_manager')
  s.download = () => ({ statusCode: 403, body: JSON.stringify(fixture('export-forbidden').body) })
  const page = open(id)
  await waitText(page, '导出订单')
  tap(page, '#export-orders')
  await waitFor(() => s.modals.length === 1, 'modal')
  t.is(s.modals[0]!.title, '导出失败')
  t.is(s.modals[0]!.content, (fixture('export-forbidden').body as any).error.message)
  t.is(s.shared.length, 0)
})

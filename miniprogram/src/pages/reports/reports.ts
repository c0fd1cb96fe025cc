import { api, type Range } from '../../utils/api'
import { can } from '../../utils/auth'
import { dateTime, messageOf, percent, SEGMENT_LABELS, shanghaiDay, yuan } from '../../utils/format'
import { loadInto, toast } from '../../utils/page'
import { download } from '../../utils/request'

const SECTIONS = ['funnel', 'journeys', 'reactivation', 'nps', 'rfm', 'ltv'] as const
type Section = (typeof SECTIONS)[number]
const RANGES = [
  { days: 7, label: '近 7 天' },
  { days: 30, label: '近 30 天' },
  { days: 90, label: '近 90 天' },
]

const sectionState = () => SECTIONS.reduce((o, s) => ({ ...o, [s]: { loading: true, error: '' } }), {} as Record<Section, { loading: boolean; error: string }>)
const pct = (r: number | null | undefined) => percent(r)
/** A difference of two rates, in percentage points. */
const points = (d: number | null | undefined) => (d == null ? '-' : `${d >= 0 ? '+' : ''}${Math.round(d * 1000) / 10} 个百分点`)
/** A lift's 95% interval in percentage points, e.g. "-37.8 ~ +79.2"; '' without one. */
const pointRange = (i: { low: number; high: number } | null | undefined) =>
  i ? `${i.low >= 0 ? '+' : ''}${Math.round(i.low * 1000) / 10} ~ ${i.high >= 0 ? '+' : ''}${Math.round(i.high * 1000) / 10}` : ''

Component({
  data: {
    ranges: RANGES,
    days: 30,
    from: '',
    to: '',
    groupBy: '',
    sec: sectionState(),
    funnel: [] as Array<Record<string, unknown>>,
    journeys: [] as Array<Record<string, unknown>>,
    reactivation: null as null | Record<string, unknown>,
    nps: null as null | Record<string, string | number>,
    rfm: { asOf: '', total: 0, empty: 0, rows: [] as Array<{ segment: string; label: string; count: number; share: string; width: number }> },
    ltv: [] as Array<Record<string, unknown>>,
    canExport: false,
    exporting: '',
  },
  methods: {
    onLoad() {
      this.setData({ canExport: can('export') })
      this.loadAll()
    },
    onPullDownRefresh() {
      this.loadAll().then(() => wx.stopPullDownRefresh())
    },
    range(): Range {
      return { from: shanghaiDay(this.data.days - 1), to: shanghaiDay(0) }
    },
    loadAll() {
      const r = this.range()
      this.setData({ from: r.from, to: r.to })
      return Promise.all(SECTIONS.map((s) => this.loadSection(s)))
    },
    loadSection(s: Section) {
      const r = this.range()
      const keys = { loading: `sec.${s}.loading`, error: `sec.${s}.error` }
      const loaders: Record<Section, () => Promise<Record<string, unknown>>> = {
        funnel: async () => ({
          funnel: (await api.funnelReport({ ...r, groupBy: this.data.groupBy.trim() || 'channel' })).rows.map((x) => ({
            ...x,
            revenue: yuan(x.revenueFen),
            // The API's rates, each over one group of people (never above 100%); not recomputed here.
            leadRate: pct(x.rates.visitorToLead),
            addRate: pct(x.rates.leadToAdd),
            orderRate: pct(x.rates.addToFirstOrder),
          })),
        }),
        // Rates come from the API (shares of the customers who entered), not recomputed here.
        journeys: async () => ({ journeys: (await api.journeyReport(r)).rows.map((x) => ({ ...x, replyRate: pct(x.rates.replied), convRate: pct(x.rates.converted) })) }),
        reactivation: async () => {
          const x = await api.reactivationReport(r)
          return {
            reactivation: {
              treatedN: x.treated.n,
              treatedRate: pct(x.treated.rate),
              holdoutN: x.holdout.n,
              holdoutRate: pct(x.holdout.rate),
              lift: points(x.lift),
              // A lift never shows without its interval and what it lets one say.
              liftRange: pointRange(x.ci95),
              liftNote: x.note || '',
              conversionDays: x.conversionDays,
              empty: x.treated.n + x.holdout.n === 0 ? 1 : 0,
              segments: x.bySegment.map((g) => ({ key: g.segment ?? 'none', label: g.label, treatedRate: pct(g.treatedRate), holdoutRate: pct(g.holdoutRate), lift: points(g.lift), liftRange: pointRange(g.ci95), liftNote: g.note || '' })),
            },
          }
        },
        nps: async () => {
          const x = await api.npsReport(r)
          return { nps: { score: x.nps == null ? '-' : x.nps, promoters: x.promoters, passives: x.passives, detractors: x.detractors, responses: x.responses } }
        },
        rfm: async () => {
          const x = await api.rfmReport()
          const max = Math.max(0.0001, ...x.segments.map((g) => g.share))
          return {
            rfm: {
              asOf: x.asOf ? dateTime(x.asOf) : '',
              total: x.total,
              // Before the first nightly run every segment is 0: nothing to draw.
              empty: x.segments.every((g) => !g.count) ? 1 : 0,
              rows: x.segments.map((g) => ({ segment: g.segment, label: g.label || SEGMENT_LABELS[g.segment] || g.segment, count: g.count, share: pct(g.share), width: Math.round((g.share / max) * 100) })),
            },
          }
        },
        ltv: async () => ({ ltv: (await api.ltvReport(r)).rows.map((x) => ({ ...x, key: String(x.channelId ?? 'none'), revenue: yuan(x.revenueFen), ltv: yuan(x.ltvFen) })) }),
      }
      return loadInto(this, loaders[s], keys)
    },
    onRangeTap(e: WechatMiniprogram.TouchEvent) {
      this.setData({ days: Number(e.currentTarget.dataset.days) })
      this.loadAll()
    },
    onGroupByInput(e: WechatMiniprogram.Input) {
      this.setData({ groupBy: e.detail.value })
    },
    onGroupByConfirm() {
      this.loadSection('funnel')
    },
    onSectionRetry(e: WechatMiniprogram.CustomEvent) {
      this.loadSection(e.currentTarget.dataset.section as Section)
    },
    /**
     * CSV cannot be opened on the phone (wx.openDocument has no csv), so it is downloaded with
     * the token and handed to wx.shareFileMessage: the operator sends it to a chat (e.g.
     * 文件传输助手) and opens it in Excel on a computer.
     */
    async onExportTap(e: WechatMiniprogram.TouchEvent) {
      const what = e.currentTarget.dataset.what as 'customers' | 'orders'
      const r = this.range()
      const fileName = `${what === 'customers' ? '客户' : '订单'}_${r.from}_${r.to}.csv`
      this.setData({ exporting: what })
      try {
        const filePath = await download(api.exportPath(what, r), `${wx.env.USER_DATA_PATH}/${fileName}`)
        this.setData({ exporting: '' })
        wx.shareFileMessage({
          filePath,
          fileName,
          success: () => toast('已发送', 'success'),
          fail: (err) => {
            if (!/cancel/i.test(err.errMsg)) wx.showModal({ title: '文件已下载', content: `无法发送到聊天：${err.errMsg}。请更新微信后重试。`, showCancel: false })
          },
        })
      } catch (err) {
        this.setData({ exporting: '' })
        wx.showModal({ title: '导出失败', content: messageOf(err), showCancel: false })
      }
    },
  },
})

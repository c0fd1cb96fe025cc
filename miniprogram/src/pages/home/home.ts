import { api, type Dashboard, type DayNumbers, type Store } from '../../utils/api'
import { can } from '../../utils/auth'
import { messageOf, shortDay, yuan } from '../../utils/format'
import { loadInto } from '../../utils/page'

type Metric = keyof DayNumbers

const METRICS: Array<{ key: Metric; label: string }> = [
  { key: 'scans', label: '扫码' },
  { key: 'leads', label: '留资' },
  { key: 'adds', label: '加微' },
  { key: 'orders', label: '订单' },
  { key: 'touchesSent', label: '触达' },
  { key: 'replies', label: '回复' },
]

/** Bars as plain views: height is the share of the week's largest value (no chart library). */
export function barsOf(trend: Dashboard['trend'], metric: Metric) {
  const max = Math.max(1, ...trend.map((d) => d[metric] || 0))
  return trend.map((d) => ({ day: shortDay(d.day), value: d[metric] || 0, height: Math.max(2, Math.round(((d[metric] || 0) / max) * 100)) }))
}

Component({
  data: {
    loading: true,
    error: '',
    day: '',
    tiles: [] as Array<{ key: string; label: string; value: string }>,
    metrics: METRICS,
    metric: 'scans' as Metric,
    bars: [] as ReturnType<typeof barsOf>,
    trend: [] as Dashboard['trend'],
    canPickStore: false,
    stores: [] as Store[],
    storeNames: ['全部门店'] as string[],
    storeIndex: 0,
  },
  methods: {
    onLoad() {
      const canPickStore = can('pickStore')
      this.setData({ canPickStore })
      if (canPickStore) this.loadStores()
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async loadStores() {
      try {
        const { items } = await api.stores()
        this.setData({ stores: items, storeNames: ['全部门店', ...items.map((s) => s.name)] })
      } catch (err) {
        // The dashboard still works for all stores; say why the picker is empty.
        this.setData({ storeNames: [`全部门店（门店列表加载失败：${messageOf(err)}）`] })
      }
    },
    load() {
      const store = this.data.storeIndex > 0 ? this.data.stores[this.data.storeIndex - 1] : undefined
      return loadInto(this, async () => {
        const d = await api.dashboard(store?.id)
        const t = d.today
        return {
          day: d.day,
          trend: d.trend,
          bars: barsOf(d.trend, this.data.metric),
          tiles: [
            { key: 'scans', label: '扫码', value: String(t.scans) },
            { key: 'leads', label: '留资', value: String(t.leads) },
            { key: 'adds', label: '加微', value: String(t.adds) },
            { key: 'orders', label: '订单', value: String(t.orders) },
            { key: 'revenue', label: '成交额', value: yuan(t.revenueFen) },
            { key: 'touches', label: '触达', value: String(t.touchesSent) },
            { key: 'replies', label: '回复', value: String(t.replies) },
            { key: 'tasksDue', label: '待办任务', value: String(t.tasksDue) },
          ],
        }
      })
    },
    onRetry() {
      this.load()
    },
    onMetricTap(e: WechatMiniprogram.TouchEvent) {
      const metric = e.currentTarget.dataset.key as Metric
      this.setData({ metric, bars: barsOf(this.data.trend, metric) })
    },
    onStoreChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ storeIndex: Number(e.detail.value) })
      this.load()
    },
    onNavTap(e: WechatMiniprogram.TouchEvent) {
      const url = e.currentTarget.dataset.url as string
      if (url.startsWith('/pages/tasks/')) wx.switchTab({ url })
      else wx.navigateTo({ url })
    },
  },
})

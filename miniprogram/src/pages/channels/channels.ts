import { api, type Channel } from '../../utils/api'
import { can } from '../../utils/auth'
import { kindLabel, messageOf } from '../../utils/format'

const PAGE = 20
type Row = Channel & { kindText: string; addRate: string }

const rows = (items: Channel[]): Row[] =>
  items.map((c) => ({ ...c, kindText: kindLabel(c.kind), addRate: c.funnel.scans ? `${Math.round((c.funnel.adds / c.funnel.scans) * 100)}%` : '-' }))

Component({
  data: {
    loading: true,
    error: '',
    items: [] as Row[],
    total: 0,
    status: '',
    q: '',
    canManage: false,
    loadingMore: false,
    moreError: '',
  },
  methods: {
    onLoad() {
      this.setData({ canManage: can('manageChannels') })
      this.load()
    },
    onShow() {
      // Back from create or detail (pause/resume): show the current state.
      if (!this.data.loading) this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this.onMoreTap()
    },
    async load() {
      this.setData({ loading: true, error: '', moreError: '' })
      try {
        const page = await api.channels({ status: this.data.status || undefined, q: this.data.q.trim() || undefined, limit: PAGE, offset: 0 })
        this.setData({ loading: false, items: rows(page.items), total: page.total })
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) })
      }
    },
    async onMoreTap() {
      if (this.data.loading || this.data.loadingMore || this.data.items.length >= this.data.total) return
      this.setData({ loadingMore: true, moreError: '' })
      try {
        const page = await api.channels({ status: this.data.status || undefined, q: this.data.q.trim() || undefined, limit: PAGE, offset: this.data.items.length })
        this.setData({ loadingMore: false, items: [...this.data.items, ...rows(page.items)], total: page.total })
      } catch (err) {
        this.setData({ loadingMore: false, moreError: messageOf(err) })
      }
    },
    onRetry() {
      this.load()
    },
    onStatusTap(e: WechatMiniprogram.TouchEvent) {
      this.setData({ status: e.currentTarget.dataset.status as string })
      this.load()
    },
    onQueryInput(e: WechatMiniprogram.Input) {
      this.setData({ q: e.detail.value })
    },
    onSearchTap() {
      this.load()
    },
    onItemTap(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/channel-detail/channel-detail?id=${e.currentTarget.dataset.id}` })
    },
    onCreateTap() {
      wx.navigateTo({ url: '/pages/channel-create/channel-create' })
    },
  },
})

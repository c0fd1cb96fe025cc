import { api, type Channel, type CustomerFilter, type CustomerItem, type Store } from '../../utils/api'
import { can } from '../../utils/auth'
import { messageOf, SEGMENT_LABELS, STAGE_LABELS } from '../../utils/format'

const PAGE = 20
const STAGES = [{ value: '', label: '全部阶段' }, ...Object.keys(STAGE_LABELS).map((k) => ({ value: k, label: STAGE_LABELS[k]! }))]
const SEGMENTS = [{ value: '', label: '全部分层' }, ...Object.keys(SEGMENT_LABELS).map((k) => ({ value: k, label: SEGMENT_LABELS[k]! }))]

type Row = CustomerItem & { stageLabel: string }

Component({
  data: {
    loading: true,
    error: '',
    items: [] as Row[],
    total: 0,
    loadingMore: false,
    moreError: '',
    q: '',
    tag: '',
    queryError: '',
    stages: STAGES,
    stageNames: STAGES.map((s) => s.label),
    stageIndex: 0,
    segments: SEGMENTS,
    segmentNames: SEGMENTS.map((s) => s.label),
    segmentIndex: 0,
    channels: [] as Channel[],
    channelNames: ['全部渠道'],
    channelIndex: 0,
    stores: [] as Store[],
    storeNames: ['全部门店'],
    storeIndex: 0,
    canPickStore: false,
    showFilters: false,
  },
  methods: {
    onLoad() {
      this.setData({ canPickStore: can('pickStore') })
      this.loadOptions()
      this.search()
    },
    onPullDownRefresh() {
      this.search().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this.loadMore()
    },
    async loadOptions() {
      // Filters are optional help: failing to list channels or stores must not block the list.
      try {
        const { items } = await api.channels({ limit: 100 })
        this.setData({ channels: items, channelNames: ['全部渠道', ...items.map((c) => c.name)] })
      } catch (err) {
        this.setData({ channelNames: [`全部渠道（${messageOf(err)}）`] })
      }
      if (!this.data.canPickStore) return
      try {
        const { items } = await api.stores()
        this.setData({ stores: items, storeNames: ['全部门店', ...items.map((s) => s.name)] })
      } catch (err) {
        this.setData({ storeNames: [`全部门店（${messageOf(err)}）`] })
      }
    },
    filter(offset: number): CustomerFilter {
      const d = this.data
      return {
        q: d.q.trim() || undefined,
        tag: d.tag.trim() || undefined,
        stage: STAGES[d.stageIndex]!.value || undefined,
        segment: SEGMENTS[d.segmentIndex]!.value || undefined,
        channelId: d.channelIndex > 0 ? d.channels[d.channelIndex - 1]?.id : undefined,
        storeId: d.storeIndex > 0 ? d.stores[d.storeIndex - 1]?.id : undefined,
        limit: PAGE,
        offset,
      }
    },
    rows: (items: CustomerItem[]): Row[] => items.map((c) => ({ ...c, stageLabel: STAGE_LABELS[c.stage] || c.stage })),
    async search() {
      const q = this.data.q.trim()
      // The API takes a name fragment or exactly the last four digits of the phone.
      if (/^\d+$/.test(q) && q.length !== 4) return this.setData({ queryError: '手机尾号请输入 4 位数字' })
      this.setData({ loading: true, error: '', queryError: '', moreError: '' })
      try {
        const page = await api.customers(this.filter(0))
        this.setData({ loading: false, items: this.rows(page.items), total: page.total })
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) })
      }
    },
    async loadMore() {
      if (this.data.loading || this.data.loadingMore || this.data.items.length >= this.data.total) return
      this.setData({ loadingMore: true, moreError: '' })
      try {
        const page = await api.customers(this.filter(this.data.items.length))
        this.setData({ loadingMore: false, items: [...this.data.items, ...this.rows(page.items)], total: page.total })
      } catch (err) {
        this.setData({ loadingMore: false, moreError: messageOf(err) })
      }
    },
    onQueryInput(e: WechatMiniprogram.Input) {
      this.setData({ q: e.detail.value, queryError: '' })
    },
    onTagInput(e: WechatMiniprogram.Input) {
      this.setData({ tag: e.detail.value })
    },
    onSearchTap() {
      this.search()
    },
    onToggleFilters() {
      this.setData({ showFilters: !this.data.showFilters })
    },
    onPick(e: WechatMiniprogram.PickerChange) {
      const key = e.currentTarget.dataset.key as string
      this.setData({ [key]: Number(e.detail.value) })
      this.search()
    },
    onResetTap() {
      this.setData({ q: '', tag: '', stageIndex: 0, segmentIndex: 0, channelIndex: 0, storeIndex: 0 })
      this.search()
    },
    onRetry() {
      this.search()
    },
    onMoreTap() {
      this.loadMore()
    },
    onItemTap(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/customer-detail/customer-detail?id=${e.currentTarget.dataset.id}` })
    },
  },
})

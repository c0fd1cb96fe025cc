import { api, type Journey } from '../../utils/api'
import { can } from '../../utils/auth'
import { messageOf, percent } from '../../utils/format'
import { loadInto, toast } from '../../utils/page'

export const TRIGGER_LABELS: Record<string, string> = {
  order_paid: '下单后',
  contact_added: '添加企业微信后',
  tag_added: '打上标签后',
  segment_entered: '进入客户分层后',
  dormant: '客户沉睡时',
  contact_lost: '客户流失时',
}

type Row = Journey & { triggerText: string; replyRate: string; editable: boolean }
const row = (j: Journey): Row => ({ ...j, editable: can('manageJourneys') && j.canEdit !== false, triggerText: TRIGGER_LABELS[j.trigger.type] || j.trigger.type, replyRate: j.stats.sent ? percent(j.stats.replied / j.stats.sent) : '-' })

Component({
  data: { loading: true, error: '', items: [] as Row[], busyId: 0 },
  methods: {
    onLoad() {
      this.load()
    },
    onShow() {
      if (!this.data.loading) this.load()
    },
    load() {
      return loadInto(this, async () => ({ items: (await api.journeys()).items.map(row) }))
    },
    onRetry() {
      this.load()
    },
    async onToggleTap(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id)
      const j = this.data.items.find((x) => x.id === id)
      if (!j) return
      this.setData({ busyId: id })
      try {
        const next = j.enabled ? await api.disableJourney(id) : await api.enableJourney(id)
        this.setData({ busyId: 0, items: this.data.items.map((x) => (x.id === id ? row(next) : x)) })
        toast(next.enabled ? '已启用' : '已停用', 'success')
      } catch (err) {
        this.setData({ busyId: 0 })
        wx.showModal({ title: '操作失败', content: messageOf(err), showCancel: false })
      }
    },
    onItemTap(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/journey-edit/journey-edit?id=${e.currentTarget.dataset.id}` })
    },
  },
})

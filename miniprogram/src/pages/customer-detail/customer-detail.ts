import { api, type CustomerDetail } from '../../utils/api'
import { can } from '../../utils/auth'
import { dateTime, messageOf, STAGE_LABELS, TIMELINE_LABELS, timelineSummary } from '../../utils/format'
import { loadInto, toast } from '../../utils/page'

const present = (c: CustomerDetail) => ({
  customer: c,
  stageLabel: STAGE_LABELS[c.stage] || c.stage,
  tags: c.tags.map((t) => ({ id: t.id, name: t.name, label: `${t.group}:${t.name}`, removable: t.removable })),
  timeline: c.timeline.map((e) => ({ id: e.id, label: TIMELINE_LABELS[e.kind] || e.kind, at: dateTime(e.occurredAt), summary: timelineSummary(e.data) })),
})

Component({
  data: {
    id: 0,
    loading: true,
    error: '',
    customer: null as CustomerDetail | null,
    stageLabel: '',
    tags: [] as Array<{ id: number; name: string; label: string; removable: boolean }>,
    timeline: [] as Array<{ id: number; label: string; at: string; summary: string }>,
    canReveal: false,
    phone: '',
    revealing: false,
    newTag: '',
    note: '',
    saving: false,
    formError: '',
  },
  methods: {
    onLoad(q: Record<string, string | undefined>) {
      const id = Number(q.id)
      this.setData({ id, canReveal: can('revealPhone') })
      if (!Number.isInteger(id) || id <= 0) return this.setData({ loading: false, error: '客户编号无效' })
      this.load()
    },
    load() {
      return loadInto(this, async () => present(await api.customer(this.data.id)))
    },
    onRetry() {
      this.load()
    },
    async onRevealTap() {
      this.setData({ revealing: true })
      try {
        const { phone } = await api.revealPhone(this.data.id)
        this.setData({ phone, revealing: false })
      } catch (err) {
        this.setData({ revealing: false })
        wx.showModal({ title: '无法查看号码', content: messageOf(err), showCancel: false })
      }
    },
    onCallTap() {
      wx.makePhoneCall({ phoneNumber: this.data.phone })
    },
    onNewTagInput(e: WechatMiniprogram.Input) {
      this.setData({ newTag: e.detail.value, formError: '' })
    },
    onNoteInput(e: WechatMiniprogram.Input) {
      this.setData({ note: e.detail.value, formError: '' })
    },
    async save(patch: { tags?: { add?: string[]; remove?: Array<{ id: number }> }; note?: string }, done: string) {
      this.setData({ saving: true, formError: '' })
      try {
        const c = await api.updateCustomer(this.data.id, patch)
        this.setData({ ...present(c), saving: false, newTag: '', ...(patch.note !== undefined ? { note: '' } : {}) })
        toast(done, 'success')
      } catch (err) {
        this.setData({ saving: false, formError: messageOf(err) })
      }
    },
    onAddTagTap() {
      const name = this.data.newTag.trim()
      if (!name) return this.setData({ formError: '请输入标签名' })
      if (name.length > 30) return this.setData({ formError: '标签最多 30 个字' })
      if (this.data.tags.some((t) => t.name === name)) return this.setData({ formError: '已有这个标签' })
      this.save({ tags: { add: [name] } }, '已添加标签')
    },
    onRemoveTagTap(e: WechatMiniprogram.TouchEvent) {
      // By id: a bare name could mean 电梯:A or 楼层:A.
      this.save({ tags: { remove: [{ id: Number(e.currentTarget.dataset.id) }] } }, '已移除标签')
    },
    onSaveNoteTap() {
      const note = this.data.note.trim()
      if (!note) return this.setData({ formError: '请填写备注内容' })
      if (note.length > 500) return this.setData({ formError: '备注最多 500 字' })
      this.save({ note }, '备注已添加')
    },
    onOrderTap() {
      const c = this.data.customer
      if (c) wx.navigateTo({ url: `/pages/order-create/order-create?customerId=${c.id}&name=${encodeURIComponent(c.name)}` })
    },
  },
})

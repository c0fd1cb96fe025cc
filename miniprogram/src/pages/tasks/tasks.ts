import { api, type Task } from '../../utils/api'
import { can } from '../../utils/auth'
import { dateTime, messageOf } from '../../utils/format'
import { toast } from '../../utils/page'
import { ApiError } from '../../utils/request'

const QUICK = ['已联系，客户满意', '未接通，稍后再联系', '客户已下单', '客户暂无需求']
type Row = Task & { due: string; overdue: boolean }

Component({
  data: {
    scope: 'mine' as 'mine' | 'store',
    canStore: false,
    loading: true,
    error: '',
    items: [] as Row[],
    total: 0,
    completingId: 0,
    outcome: '',
    formError: '',
    submitting: false,
    quick: QUICK,
  },
  methods: {
    onLoad() {
      this.setData({ canStore: can('storeTasks') })
      this.load()
    },
    onShow() {
      if (!this.data.loading) this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ loading: true, error: '', completingId: 0 })
      try {
        const page = await api.tasks(this.data.scope)
        const now = Date.now()
        this.setData({ loading: false, total: page.total, items: page.items.map((t) => ({ ...t, due: dateTime(t.dueAt), overdue: Date.parse(t.dueAt) < now })) })
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) })
      }
    },
    onRetry() {
      this.load()
    },
    onScopeTap(e: WechatMiniprogram.TouchEvent) {
      const scope = e.currentTarget.dataset.scope as 'mine' | 'store'
      if (scope === this.data.scope) return
      this.setData({ scope })
      this.load()
    },
    onCompleteTap(e: WechatMiniprogram.TouchEvent) {
      this.setData({ completingId: Number(e.currentTarget.dataset.id), outcome: '', formError: '' })
    },
    onCancelTap() {
      this.setData({ completingId: 0, formError: '' })
    },
    onOutcomeInput(e: WechatMiniprogram.Input) {
      this.setData({ outcome: e.detail.value, formError: '' })
    },
    onQuickTap(e: WechatMiniprogram.TouchEvent) {
      this.setData({ outcome: e.currentTarget.dataset.text as string, formError: '' })
    },
    async onSubmitTap() {
      const outcome = this.data.outcome.trim()
      if (!outcome) return this.setData({ formError: '请填写跟进结果' })
      if (outcome.length > 255) return this.setData({ formError: '跟进结果最多 255 字' })
      const id = this.data.completingId
      this.setData({ submitting: true, formError: '' })
      try {
        await api.completeTask(id, outcome)
        this.setData({ submitting: false, completingId: 0, items: this.data.items.filter((t) => t.id !== id), total: this.data.total - 1 })
        toast('任务已完成', 'success')
      } catch (err) {
        this.setData({ submitting: false, formError: messageOf(err) })
        // Someone else closed it meanwhile: show the list as it is now.
        if (err instanceof ApiError && err.status === 409) {
          toast(err.message)
          this.load()
        }
      }
    },
    onCustomerTap(e: WechatMiniprogram.TouchEvent) {
      const id = e.currentTarget.dataset.id
      if (id) wx.navigateTo({ url: `/pages/customer-detail/customer-detail?id=${id}` })
    },
  },
})

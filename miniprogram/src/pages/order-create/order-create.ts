import { api } from '../../utils/api'
import { messageOf, shanghaiDay, yuan } from '../../utils/format'
import { toast } from '../../utils/page'

const MAX_FEN = 10_000_000_000

/** "128" or "128.5" or "128.50" yuan → fen; undefined when not a valid positive amount. */
export function toFen(s: string): number | undefined {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(s.trim())
  if (!m) return undefined
  const fen = Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
  return fen > 0 && fen <= MAX_FEN ? fen : undefined
}

const newKey = () => `mp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`

Component({
  data: { customerId: 0, customerName: '', amount: '', day: '', today: '', note: '', error: '', formError: '', submitting: false, done: '', idemKey: '' },
  methods: {
    onLoad(q: Record<string, string | undefined>) {
      const customerId = Number(q.customerId)
      const today = shanghaiDay()
      this.setData({ customerId, customerName: q.name ? decodeURIComponent(q.name) : '', day: today, today })
      if (!Number.isInteger(customerId) || customerId <= 0) this.setData({ error: '缺少客户，请从客户详情进入' })
      // One key per filled-in form: a retried or double-tapped submit records the order once.
      this.setData({ idemKey: newKey() })
    },
    onAmountInput(e: WechatMiniprogram.Input) {
      this.setData({ amount: e.detail.value, formError: '' })
    },
    onDayChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ day: String(e.detail.value), formError: '' })
    },
    onNoteInput(e: WechatMiniprogram.Input) {
      this.setData({ note: e.detail.value, formError: '' })
    },
    async onSubmitTap() {
      const d = this.data
      const amountFen = toFen(d.amount)
      if (amountFen === undefined) return this.setData({ formError: '请输入正确的金额（大于 0，最多两位小数）' })
      if (d.day > d.today) return this.setData({ formError: '付款日期不能晚于今天' })
      if (d.note.length > 200) return this.setData({ formError: '备注最多 200 字' })
      this.setData({ submitting: true, formError: '' })
      try {
        const order = await api.createOrder(
          { customerId: d.customerId, amountFen, ...(d.day !== d.today ? { paidAt: `${d.day}T12:00:00+08:00` } : {}), ...(d.note.trim() ? { note: d.note.trim() } : {}) },
          d.idemKey,
        )
        this.setData({ submitting: false, done: `已记录订单 ${order.orderNo}（${yuan(order.amountFen)}），购后旅程已开始` })
        toast('订单已记录', 'success')
      } catch (err) {
        this.setData({ submitting: false, formError: messageOf(err) })
      }
    },
    onBackTap() {
      wx.navigateBack({ delta: 1 })
    },
  },
})

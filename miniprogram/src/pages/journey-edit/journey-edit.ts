import { api, type Journey, type JourneyStep } from '../../utils/api'
import { can } from '../../utils/auth'
import { messageOf } from '../../utils/format'
import { loadInto, toast } from '../../utils/page'

const STEP_LABELS: Record<string, string> = { wait: '等待', send: '发送消息', ask: '提问', task: '导购任务', tag: '打标签', branch: '条件分支' }
const MAX_DELAY = 60 * 24 * 365

export const delayText = (m: number | null | undefined): string => {
  if (m == null || m === 0) return '立即'
  if (m % 1440 === 0) return `${m / 1440} 天`
  if (m % 60 === 0) return `${m / 60} 小时`
  return `${m} 分钟`
}

interface EditStep {
  id: number | string
  label: string
  hasDelay: boolean
  hasText: boolean
  delay: string
  delayHint: string
  text: string
  title: string
}

const editable = (s: JourneyStep): EditStep => ({
  id: s.id,
  label: STEP_LABELS[s.kind] || s.kind,
  hasDelay: s.editable ? s.editable.includes('delayMinutes') : typeof s.delayMinutes === 'number',
  hasText: s.editable ? s.editable.includes('templateText') : typeof s.templateText === 'string',
  delay: typeof s.delayMinutes === 'number' ? String(s.delayMinutes) : '',
  delayHint: delayText(s.delayMinutes),
  text: typeof s.templateText === 'string' ? s.templateText : '',
  title: typeof s.title === 'string' ? s.title : '',
})

Component({
  data: { id: 0, loading: true, error: '', name: '', enabled: false, steps: [] as EditStep[], canManage: false, formError: '', saving: false },
  methods: {
    onLoad(q: Record<string, string | undefined>) {
      const id = Number(q.id)
      this.setData({ id, canManage: can('manageJourneys') })
      if (!Number.isInteger(id) || id <= 0) return this.setData({ loading: false, error: '旅程编号无效' })
      this.load()
    },
    present(j: Journey) {
      return { name: j.name, enabled: j.enabled, steps: j.steps.map(editable), canManage: can('manageJourneys') && j.canEdit !== false }
    },
    load() {
      return loadInto(this, async () => this.present(await api.journey(this.data.id)))
    },
    onRetry() {
      this.load()
    },
    onStepInput(e: WechatMiniprogram.Input) {
      const { index, field } = e.currentTarget.dataset as { index: number; field: 'delay' | 'text' }
      const steps = this.data.steps.map((s, i) => {
        if (i !== Number(index)) return s
        const next = { ...s, [field]: e.detail.value }
        if (field === 'delay') next.delayHint = /^\d+$/.test(next.delay) ? delayText(Number(next.delay)) : '请输入分钟数'
        return next
      })
      this.setData({ steps, formError: '' })
    },
    async onSaveTap() {
      const patch: Array<{ id: number | string; delayMinutes?: number; templateText?: string }> = []
      for (let i = 0; i < this.data.steps.length; i++) {
        const s = this.data.steps[i]!
        if (!s.hasDelay && !s.hasText) continue
        const p: { id: number | string; delayMinutes?: number; templateText?: string } = { id: s.id }
        if (s.hasDelay) {
          if (!/^\d+$/.test(s.delay.trim()) || Number(s.delay) > MAX_DELAY) return this.setData({ formError: `第 ${i + 1} 步：等待时间请输入 0–${MAX_DELAY} 的整数分钟` })
          p.delayMinutes = Number(s.delay)
        }
        if (s.hasText) {
          const text = s.text.trim()
          if (!text) return this.setData({ formError: `第 ${i + 1} 步：消息内容不能为空` })
          if (text.length > 500) return this.setData({ formError: `第 ${i + 1} 步：消息内容最多 500 字` })
          p.templateText = text
        }
        patch.push(p)
      }
      if (!patch.length) return this.setData({ formError: '这个旅程没有可修改的等待时间或消息' })
      this.setData({ saving: true, formError: '' })
      try {
        this.setData({ ...this.present(await api.updateJourney(this.data.id, patch)), saving: false })
        toast('已保存', 'success')
      } catch (err) {
        this.setData({ saving: false, formError: messageOf(err) })
      }
    },
  },
})

/** Display helpers: everything the pages show is Chinese and in Asia/Shanghai time. */

export const yuan = (fen: number | null | undefined): string => (fen == null ? '-' : `¥${(fen / 100).toFixed(2)}`)

export const percent = (r: number | null | undefined): string => (r == null ? '-' : `${Math.round(r * 1000) / 10}%`)

const SHANGHAI_MS = 8 * 3600 * 1000
const pad = (n: number) => (n < 10 ? `0${n}` : String(n))

/** "MM-DD HH:mm" in Asia/Shanghai, whatever the phone's zone. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '-'
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const d = new Date(t + SHANGHAI_MS)
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** YYYY-MM-DD in Asia/Shanghai, `daysAgo` days before now. */
export function shanghaiDay(daysAgo = 0, now = Date.now()): string {
  const d = new Date(now + SHANGHAI_MS - daysAgo * 86400000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

export const shortDay = (day: string): string => day.slice(5)

export const STAGE_LABELS: Record<string, string> = {
  lead: '线索',
  new: '新客',
  repeat: '复购',
  dormant: '沉睡',
  reactivated: '已唤醒',
  churned: '流失',
}

export const SEGMENT_LABELS: Record<string, string> = {
  important_value: '重要价值客户',
  important_develop: '重要发展客户',
  important_keep: '重要保持客户',
  important_retain: '重要挽留客户',
  general_value: '一般价值客户',
  general_develop: '一般发展客户',
  general_keep: '一般保持客户',
  general_retain: '一般挽留客户',
}

export const TIMELINE_LABELS: Record<string, string> = {
  contact_added: '添加企业微信',
  welcome_sent: '发送欢迎语',
  welcome_failed: '欢迎语发送失败',
  welcome_skipped: '未发送欢迎语',
  contact_edited: '资料变更',
  contact_deleted_by_staff: '导购删除了客户',
  contact_lost: '客户删除了导购',
  transfer_failed: '转接失败',
  tags_added: '打标签',
  tags_removed: '移除标签',
  tags_changed: '标签变更',
  note_changed: '修改备注',
  note_added: '添加备注',
  lead_submitted: '扫码留资',
  lead_linked: '留资关联',
  customer_merged: '合并客户',
  customer_unmerged: '撤销合并',
  message_in: '客户消息',
  message_out: '发出消息',
  opted_out: '退订',
  opted_in: '恢复订阅',
  handoff: '转人工',
  survey_answered: '问卷回答',
  order_paid: '下单',
  touch_sent: '旅程触达',
  coupon_given: '发放优惠券',
  task_done: '完成任务',
  scan: '扫码',
}

export const CHANNEL_KINDS: Array<{ value: string; label: string }> = [
  { value: 'poster', label: '海报' },
  { value: 'elevator', label: '电梯广告' },
  { value: 'community', label: '社区' },
  { value: 'counter', label: '收银台' },
  { value: 'event', label: '活动' },
  { value: 'online', label: '线上' },
  { value: 'other', label: '其他' },
]

export const kindLabel = (k: string): string => CHANNEL_KINDS.find((c) => c.value === k)?.label || k

/** One short line describing a timeline entry's data (never the raw JSON). */
export function timelineSummary(data: Record<string, unknown> | null | undefined): string {
  if (!data) return ''
  const pick = ['text', 'summary', 'tags', 'note', 'amountFen', 'orderNo', 'name', 'reason', 'answer', 'score']
  const parts: string[] = []
  for (const k of pick) {
    const v = data[k]
    if (v == null || v === '') continue
    if (k === 'amountFen' && typeof v === 'number') parts.push(yuan(v))
    else if (Array.isArray(v)) parts.push(v.map((x) => (typeof x === 'object' && x ? (x as { name?: string }).name || '' : String(x))).join('、'))
    else if (typeof v !== 'object') parts.push(String(v))
  }
  const line = parts.join(' · ')
  return line.length > 80 ? `${line.slice(0, 79)}…` : line
}

export const messageOf = (err: unknown): string => (err instanceof Error && err.message ? err.message : '出错了，请重试')

/**
 * Typed calls to /api/mp, one per endpoint of the contract (.scratch/mp-contract.md and
 * GET /api/mp/openapi.json). Money is integer fen, times ISO strings, days YYYY-MM-DD.
 */
import { bindToken, clearSession, refreshToken, saveSession, type Role, type Session } from './auth'
import { query, request, requestAnonymous } from './request'

export interface Page<T> {
  items: T[]
  total: number
  limit: number
  offset: number
}

export interface Me {
  staffId: number
  wecomUserId: string
  name: string
  role: Role
  storeId: number | null
  /** The store's name (null for HQ). */
  storeName?: string | null
}

export interface Store {
  id: number
  name: string
  timezone?: string
}

export interface DayNumbers {
  scans: number
  leads: number
  adds: number
  orders: number
  touchesSent: number
  replies: number
}

export interface Dashboard {
  day: string
  today: DayNumbers & { revenueFen: number; tasksDue: number }
  trend: Array<DayNumbers & { day: string }>
}

export interface CustomerItem {
  id: number
  name: string
  avatar?: string | null
  stage: string
  storeId: number | null
  ownerUserId: string | null
  phoneMasked: string | null
  tags?: string[]
}

export interface TimelineEntry {
  id: number
  kind: string
  channelId: number | null
  staffUserId: string | null
  data: Record<string, unknown>
  occurredAt: string
}

export interface CustomerDetail {
  id: number
  name: string
  avatar: string | null
  stage: string
  storeId: number | null
  ownerUserId: string | null
  optedOut: boolean
  phoneMasked: string | null
  createdAt: string
  /** `removable`: the server lets an operator remove it (behaviour tags such as 已购买 are the system's). */
  tags: Array<{ id: number; name: string; group: string; kind: string; removable: boolean }>
  timeline: TimelineEntry[]
}

export interface CustomerFilter {
  q?: string
  tag?: string
  stage?: string
  segment?: string
  channelId?: number
  storeId?: number
  limit?: number
  offset?: number
}

export interface Task {
  id: number
  kind: string
  title: string
  status: 'open' | 'done' | 'cancelled'
  dueAt: string
  customerId: number | null
  customerName: string | null
  staffUserId: string
  storeId: number | null
  outcome: string | null
  doneAt: string | null
}

export interface Funnel {
  scans: number
  leads: number
  adds: number
  firstOrders: number
}

export interface Channel {
  id: number
  code: string
  name: string
  kind: string
  storeId: number | null
  status: 'active' | 'paused'
  attributes: Record<string, string>
  staffUserIds: string[]
  funnel: Funnel
  landingUrl: string
  qrPngUrl: string
  posterUrl: string
  welcomeText?: string
  /** Strings in the contract; the backend answers {group, name}. Both are shown. */
  tags?: Array<string | { group?: string | null; name: string }>
}

export interface NewChannel {
  name: string
  kind: string
  storeId?: number
  staffUserIds: string[]
  welcomeText: string
  tags: string[]
  attributes?: Record<string, string>
}

export interface NewChannelBatch {
  prefix: string
  kind: string
  storeId?: number
  staffUserIds: string[]
  welcomeText: string
  tags: string[]
  dimensions: Array<{ label: string; values: string[] }>
}

export interface Order {
  id: number
  orderNo: string
  source: string
  customerId: number
  customerName: string | null
  storeId: number | null
  amountFen: number
  paidAt: string
  status: string
}

export interface NewOrder {
  customerId: number
  amountFen: number
  paidAt?: string
  items?: Array<{ name: string; qty: number; priceFen: number }>
  note?: string
}

export interface JourneyStep {
  id: number | string
  kind: string
  delayMinutes?: number | null
  templateText?: string | null
  /** Which fields this step lets the mini-program change (the backend's answer; absent in the contract). */
  editable?: string[]
  [k: string]: unknown
}

export interface JourneyStats {
  entered: number
  sent: number
  delivered: number
  replied: number
  converted: number
  skipped: number
}

export interface Journey {
  id: number
  name: string
  trigger: { type: string; [k: string]: unknown }
  enabled: boolean
  steps: JourneyStep[]
  stats: JourneyStats
  /** False when this caller may not change this journey (e.g. an HQ journey seen by a store). */
  canEdit?: boolean
}

export interface FunnelRow {
  key: string
  channelIds: number[]
  scans: number
  visitors: number
  leads: number
  /** Of `leads`, those who added a rep. */
  leadsAdded: number
  adds: number
  /** Of `adds`, those who never left a lead (the shared QR). */
  addsWithoutLead: number
  /** Of `adds`, those whose first order followed. */
  addsFirstOrder: number
  claims: number
  firstOrders: number
  revenueFen: number
  /** Each a share of the same people: leads/visitors, leadsAdded/leads, addsFirstOrder/adds. */
  rates: { visitorToLead: number | null; leadToAdd: number | null; addToFirstOrder: number | null }
}

export interface Arm {
  n: number
  converted: number
  rate: number | null
}

export interface Reactivation {
  from?: string
  to?: string
  /** An order within this many days of entering counts as converted. */
  conversionDays: number
  treated: Arm
  holdout: Arm
  lift: number | null
  /** The lift's 95% interval (Newcombe); null when a group is empty. */
  ci95: Interval | null
  /** 'unclear' when the interval contains 0: the groups are too small to tell. */
  verdict: LiftVerdict
  /** What the numbers let one say, in Chinese (e.g. 样本太少，尚不能判断). */
  note: string
  /** Per RFM segment at entry; `label` is the Chinese name ('未评分' for customers not scored). */
  bySegment: Array<{ segment: string | null; label: string; treatedRate: number | null; holdoutRate: number | null; lift: number | null; ci95: Interval | null; verdict: LiftVerdict; note: string }>
}

export interface Interval {
  low: number
  high: number
}

export type LiftVerdict = 'higher' | 'lower' | 'unclear' | 'no_data'

/** A journey's effect in a period; `rates` are shares of the customers who entered. */
export interface JourneyReportRow extends JourneyStats {
  journeyId: number
  name: string
  enabled: boolean
  rates: { sent: number | null; replied: number | null; converted: number | null }
  /** 95% (Wilson) intervals of the reply and conversion rates; null when nobody entered. */
  ci95?: { replied: Interval | null; converted: Interval | null }
}

export interface Nps {
  nps: number | null
  promoters: number
  passives: number
  detractors: number
  responses: number
  byStore?: Array<{ storeId: number; nps: number | null; responses: number }>
}

export interface Rfm {
  /** When the last nightly run finished (ISO instant); null before the first run. */
  asOf: string | null
  /** Customers scored. */
  total: number
  segments: Array<{ segment: string; count: number; share: number; label: string }>
}

export interface LtvRow {
  channelId: number | null
  channelName: string
  customers: number
  revenueFen: number
  ltvFen: number
}

export interface Range {
  from?: string
  to?: string
}

export const api = {
  async bind(inviteCode: string): Promise<Session> {
    const s = await requestAnonymous<Session>('POST', '/bind', { bindToken: bindToken(), inviteCode })
    saveSession(s)
    return s
  },
  async logout(): Promise<void> {
    const rt = refreshToken()
    try {
      await request<unknown>('POST', '/logout', rt ? { refreshToken: rt } : {})
    } finally {
      clearSession()
    }
  },
  me: () => request<Me>('GET', '/me'),
  stores: () => request<Page<Store>>('GET', '/stores'),
  dashboard: (storeId?: number) => request<Dashboard>('GET', `/dashboard${query({ storeId })}`),

  customers: (f: CustomerFilter) => request<Page<CustomerItem>>('GET', `/customers${query({ ...f })}`),
  customer: (id: number) => request<CustomerDetail>('GET', `/customers/${id}`),
  updateCustomer: (id: number, patch: { tags?: { add?: string[]; remove?: Array<{ id: number }> }; note?: string }) =>
    request<CustomerDetail>('PATCH', `/customers/${id}`, patch),
  revealPhone: (id: number) => request<{ phone: string }>('POST', `/customers/${id}/reveal-phone`),

  tasks: (scope: 'mine' | 'store', offset = 0) => request<Page<Task>>('GET', `/tasks${query({ scope, limit: 50, offset })}`),
  completeTask: (id: number, outcome: string) => request<Task>('POST', `/tasks/${id}/complete`, { outcome }),

  channels: (f: { status?: string; q?: string; limit?: number; offset?: number }) => request<Page<Channel>>('GET', `/channels${query({ ...f })}`),
  channel: (id: number) => request<Channel>('GET', `/channels/${id}`),
  createChannel: (c: NewChannel) => request<Channel>('POST', '/channels', c),
  createChannelBatch: (b: NewChannelBatch) => request<{ batchId: string | number; items: Channel[] }>('POST', '/channels/batch', b),
  pauseChannel: (id: number) => request<Channel>('POST', `/channels/${id}/pause`),
  resumeChannel: (id: number) => request<Channel>('POST', `/channels/${id}/resume`),
  posterPath: (id: number) => `/channels/${id}/poster.png`,

  orders: (customerId: number) => request<Page<Order>>('GET', `/orders${query({ customerId, limit: 20 })}`),
  createOrder: (o: NewOrder, idempotencyKey: string) => request<Order>('POST', '/orders', o, { header: { 'Idempotency-Key': idempotencyKey } }),

  journeys: () => request<Page<Journey>>('GET', '/journeys'),
  journey: (id: number) => request<Journey>('GET', `/journeys/${id}`),
  enableJourney: (id: number) => request<Journey>('POST', `/journeys/${id}/enable`),
  disableJourney: (id: number) => request<Journey>('POST', `/journeys/${id}/disable`),
  updateJourney: (id: number, steps: Array<{ id: number | string; delayMinutes?: number; templateText?: string }>) =>
    request<Journey>('PATCH', `/journeys/${id}`, { steps }),

  funnelReport: (r: Range & { groupBy?: string }) => request<{ rows: FunnelRow[] }>('GET', `/reports/funnel${query({ ...r })}`),
  journeyReport: (r: Range) => request<{ conversionDays: number; rows: JourneyReportRow[] }>('GET', `/reports/journeys${query({ ...r })}`),
  reactivationReport: (r: Range) => request<Reactivation>('GET', `/reports/reactivation${query({ ...r })}`),
  npsReport: (r: Range) => request<Nps>('GET', `/reports/nps${query({ ...r })}`),
  rfmReport: () => request<Rfm>('GET', '/reports/rfm'),
  ltvReport: (r: Range) => request<{ rows: LtvRow[] }>('GET', `/reports/ltv${query({ ...r })}`),
  exportPath: (what: 'customers' | 'orders', r: Range) => `/export/${what}.csv${query({ ...r })}`,
}

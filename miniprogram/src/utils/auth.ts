import { devSandbox, sandboxCode } from './dev-login'

/**
 * The operator's session: access token (short-lived JWT), refresh token (rotated on every use)
 * and who they are. Kept in storage so a cold start does not need a new wx.login.
 */
export type Role = 'hq_admin' | 'store_manager' | 'rep'

export interface Staff {
  staffId?: number
  wecomUserId?: string
  name: string
  role: Role
  storeId: number | null
}

export interface Session {
  accessToken: string
  accessTokenExpiresAt?: string
  refreshToken: string
  refreshTokenExpiresAt?: string
  staff: Staff
}

const K_ACCESS = 'siyu.accessToken'
const K_REFRESH = 'siyu.refreshToken'
const K_STAFF = 'siyu.staff'
const K_BIND = 'siyu.bindToken'

export const accessToken = (): string => wx.getStorageSync(K_ACCESS) || ''
export const refreshToken = (): string => wx.getStorageSync(K_REFRESH) || ''
export const bindToken = (): string => wx.getStorageSync(K_BIND) || ''

export function currentStaff(): Staff | null {
  const s = wx.getStorageSync(K_STAFF)
  return s && typeof s === 'object' ? (s as Staff) : null
}

export function saveSession(s: Session): void {
  wx.setStorageSync(K_ACCESS, s.accessToken)
  wx.setStorageSync(K_REFRESH, s.refreshToken)
  wx.setStorageSync(K_STAFF, s.staff)
  wx.removeStorageSync(K_BIND)
}

export function saveStaff(s: Staff): void {
  wx.setStorageSync(K_STAFF, s)
}

export function saveBindToken(t: string): void {
  wx.setStorageSync(K_BIND, t)
}

export function clearSession(): void {
  for (const k of [K_ACCESS, K_REFRESH, K_STAFF, K_BIND]) wx.removeStorageSync(k)
}

/** What a role may do. The server decides; this only hides buttons that would answer 403. */
export type Permission = 'revealPhone' | 'export' | 'manageChannels' | 'manageJourneys' | 'storeTasks' | 'pickStore'

const GRANTS: Record<Role, Permission[]> = {
  hq_admin: ['revealPhone', 'export', 'manageChannels', 'manageJourneys', 'storeTasks', 'pickStore'],
  store_manager: ['revealPhone', 'export', 'manageChannels', 'manageJourneys', 'storeTasks'],
  rep: [],
}

export function can(p: Permission, staff: Staff | null = currentStaff()): boolean {
  return !!staff && (GRANTS[staff.role] || []).includes(p)
}

export const ROLE_LABELS: Record<Role, string> = { hq_admin: '总部管理员', store_manager: '店长', rep: '导购' }

/** wx.login as a promise: the code that POST /login exchanges for a session. */
export function wxLoginCode(): Promise<string> {
  const dev = devSandbox()
  if (dev) return sandboxCode(dev)
  return new Promise((resolve, reject) =>
    wx.login({
      success: (r) => (r.code ? resolve(r.code) : reject(new Error('微信登录失败，请重试'))),
      fail: (e) => reject(new Error(`微信登录失败：${e.errMsg}`)),
    }),
  )
}

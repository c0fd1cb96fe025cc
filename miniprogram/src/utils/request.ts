import { apiBase } from './config'
import { accessToken, clearSession, refreshToken, saveBindToken, saveSession, wxLoginCode, type Session } from './auth'

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
type WxMethod = NonNullable<WechatMiniprogram.RequestOption['method']>
type Body = string | ArrayBuffer | WechatMiniprogram.IAnyObject

/** An answer other than 2xx, or no answer. `message` is Chinese and safe to show as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** This WeChat user is not bound to a staff member yet: the login page asks for an invite code. */
export class NeedsBindingError extends ApiError {
  constructor() {
    super(401, 'MP.NEEDS_BINDING', '请先用邀请码绑定账号')
  }
}

const FALLBACK: Record<number, string> = {
  0: '网络连接失败，请检查网络后重试',
  400: '提交的内容有误',
  401: '登录已失效，请重新登录',
  403: '没有权限进行此操作',
  404: '内容不存在或无权查看',
  409: '操作冲突，请刷新后重试',
  429: '操作过于频繁，请稍后再试',
}

function errorOf(status: number, data: unknown): ApiError {
  const e = data && typeof data === 'object' ? (data as { error?: { code?: string; message?: string } }).error : undefined
  const fallback = FALLBACK[status] || (status >= 500 ? '服务器开小差了，请稍后重试' : `请求失败（${status}）`)
  return new ApiError(status, e?.code || `HTTP_${status}`, e?.message || fallback)
}

export const isOk = (status: number): boolean => status >= 200 && status < 300

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts = Object.keys(params)
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(params[k]))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

interface Raw<T> {
  statusCode: number
  data: T
}

function send<T extends Body>(method: Method, path: string, token: string, data?: unknown, header: Record<string, string> = {}): Promise<Raw<T>> {
  // wx.request has no PATCH (only OPTIONS GET HEAD POST PUT DELETE TRACE CONNECT): PATCH goes
  // out as POST with X-HTTP-Method-Override, which the API maps back before routing.
  const wxMethod: WxMethod = method === 'PATCH' ? 'POST' : method
  const override: Record<string, string> = method === 'PATCH' ? { 'X-HTTP-Method-Override': 'PATCH' } : {}
  return new Promise((resolve, reject) => {
    wx.request<T>({
      url: `${apiBase()}${path}`,
      method: wxMethod,
      data: data as WechatMiniprogram.IAnyObject | undefined,
      header: { 'content-type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...override, ...header },
      success: (r) => resolve({ statusCode: r.statusCode, data: r.data }),
      fail: (e) => reject(new ApiError(0, 'NETWORK', `${FALLBACK[0]}（${e.errMsg}）`)),
    })
  })
}

/**
 * wx.login → POST /login. A bound user gets a session; a new one gets a bind token, kept for
 * the invite-code form. Returns whether binding is needed.
 */
export async function signIn(): Promise<'ok' | 'needsBinding'> {
  const code = await wxLoginCode()
  const res = await send<Body>('POST', '/login', '', { code })
  if (!isOk(res.statusCode)) throw errorOf(res.statusCode, res.data)
  const body = res.data as { needsBinding: boolean; bindToken?: string } & Session
  if (body.needsBinding) {
    clearSession()
    saveBindToken(body.bindToken || '')
    return 'needsBinding'
  }
  saveSession(body)
  return 'ok'
}

async function renewNow(): Promise<void> {
  const rt = refreshToken()
  if (rt) {
    const res = await send<Body>('POST', '/refresh', '', { refreshToken: rt })
    if (isOk(res.statusCode)) return saveSession(res.data as Session)
    // Refresh tokens rotate and are revoked on logout or when the staff member is disabled:
    // the only way on is a fresh wx.login.
    if (res.statusCode !== 401) throw errorOf(res.statusCode, res.data)
  }
  clearSession()
  if ((await signIn()) === 'needsBinding') {
    goToLogin()
    throw new NeedsBindingError()
  }
}

let renewing: Promise<void> | null = null

/** Single flight: requests that hit 401 together share one refresh (or one re-login). */
export function renewSession(): Promise<void> {
  if (!renewing) renewing = renewNow().finally(() => (renewing = null))
  return renewing
}

export function goToLogin(): void {
  wx.reLaunch({ url: '/pages/login/login' })
}

async function authed<R extends { statusCode: number }>(attempt: (token: string) => Promise<R>): Promise<R> {
  if (!accessToken()) await renewSession()
  let token = accessToken()
  let res = await attempt(token)
  if (res.statusCode === 401) {
    // A renewal under way (even one that has already cleared the old session to sign in again)
    // is joined, not skipped: retrying with the empty token would answer 401 and log out.
    // With none under way, renew unless another request already did while this one was out.
    if (renewing) await renewing
    else if (!accessToken() || accessToken() === token) await renewSession()
    token = accessToken()
    res = await attempt(token)
    if (res.statusCode === 401) {
      clearSession()
      goToLogin()
    }
  }
  return res
}

export interface RequestOptions {
  header?: Record<string, string>
}

/** A call to /api/mp with the access token; 401 renews the session once and retries. */
export async function request<T>(method: Method, path: string, data?: unknown, opts: RequestOptions = {}): Promise<T> {
  const res = await authed((token) => send<Body>(method, path, token, data, opts.header))
  if (!isOk(res.statusCode)) throw errorOf(res.statusCode, res.data)
  return res.data as T
}

/** A call that needs no session (bind, logout's best effort). */
export async function requestAnonymous<T>(method: Method, path: string, data?: unknown): Promise<T> {
  const res = await send<Body>(method, path, '', data)
  if (!isOk(res.statusCode)) throw errorOf(res.statusCode, res.data)
  return res.data as T
}

function readJsonFile(filePath: string): unknown {
  try {
    return JSON.parse(wx.getFileSystemManager().readFileSync(filePath, 'utf8') as string)
  } catch (err) {
    console.warn('error body is not JSON', err)
    return undefined
  }
}

/**
 * Downloads an authed file (poster PNG, CSV export) to a local path. wx.downloadFile sends the
 * header like wx.request does, so the same 401 → renew → retry applies.
 */
export async function download(path: string, filePath?: string): Promise<string> {
  const res = await authed(
    (token) =>
      new Promise<{ statusCode: number; tempFilePath: string; filePath?: string }>((resolve, reject) => {
        wx.downloadFile({
          url: `${apiBase()}${path}`,
          header: token ? { Authorization: `Bearer ${token}` } : {},
          ...(filePath ? { filePath } : {}),
          success: (r) => resolve({ statusCode: r.statusCode, tempFilePath: r.tempFilePath, filePath: r.filePath }),
          fail: (e) => reject(new ApiError(0, 'NETWORK', `${FALLBACK[0]}（${e.errMsg}）`)),
        })
      }),
  )
  const local = res.filePath || res.tempFilePath
  if (!isOk(res.statusCode)) throw errorOf(res.statusCode, readJsonFile(local))
  return local
}

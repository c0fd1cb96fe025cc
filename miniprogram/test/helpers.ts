import fs from 'node:fs'
import path from 'node:path'
import simulate from 'miniprogram-simulate'

export const root = path.resolve(__dirname, '../.build')

/** Loads a built page once per test file (simulate re-requires the JS on every load). */
export const loadPage = (page: string): string => simulate.load(path.join(root, page), { rootPath: root })

export interface Answer {
  status: number
  body: unknown
  /** Delivered once this settles instead of on the next turn: lets a test order answers as a network may. */
  hold?: Promise<unknown>
}

/** A response recorded from the real backend (see fixtures/README.md). */
export function fixture(name: string): Answer {
  const f = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8'))
  return { status: f.status, body: f.body }
}

/** The reports page's calls and the fixture that answers each. */
export const REPORT_FIXTURES: Record<string, string> = {
  'GET /reports/funnel': 'report-funnel',
  'GET /reports/journeys': 'report-journeys',
  'GET /reports/reactivation': 'report-reactivation',
  'GET /reports/nps': 'report-nps',
  'GET /reports/rfm': 'report-rfm',
  'GET /reports/ltv': 'report-ltv',
}

export interface Call {
  method: string
  path: string
  query: string
  data: any
  header: Record<string, string>
}

type Route = Answer | ((c: Call, n: number) => Answer)

export interface Stub {
  calls: Call[]
  navs: Array<{ api: string; url: string }>
  toasts: string[]
  modals: Array<{ title?: string; content?: string }>
  store: Map<string, unknown>
  downloads: Array<{ url: string; header: Record<string, string>; filePath?: string }>
  saved: string[]
  shared: Array<{ filePath: string; fileName?: string }>
  settingsOpened: number
  logins: number
  /** Routes by "METHOD /path" (path after /api/mp, no query). Later set() calls win. */
  set(key: string, r: Route): void
  download: (url: string, n: number) => { statusCode: number; body?: string }
  saveResult: { errMsg: string } | null
  modalConfirm: boolean
}

/** Answers the fakes delivered so far: waitFor's sign that the app is still making progress. */
let delivered = 0
const later = (fn: () => void) =>
  setTimeout(() => {
    delivered++
    fn()
  }, 0)
const ORIGIN = 'http://127.0.0.1:3000'
const API = `${ORIGIN}/api/mp`

/**
 * Replaces the wx APIs the app uses with in-memory fakes. Unknown routes answer 404 so a
 * forgotten stub shows as an error on the page instead of passing by accident.
 */
export function stubWx(routes: Record<string, Route> = {}, fallback?: Answer): Stub {
  const table = new Map<string, Route>(Object.entries(routes))
  const counts = new Map<string, number>()
  const s: Stub = {
    calls: [],
    navs: [],
    toasts: [],
    modals: [],
    store: new Map(),
    downloads: [],
    saved: [],
    shared: [],
    settingsOpened: 0,
    logins: 0,
    set: (k, r) => table.set(k, r),
    download: () => ({ statusCode: 200 }),
    saveResult: null,
    modalConfirm: true,
  }
  const w = wx as any
  w.request = (o: any) => {
    const base = o.url.startsWith(API) ? API : o.url.startsWith(`${ORIGIN}/sandbox/`) ? ORIGIN : ''
    if (!base) throw new Error(`request outside the API: ${o.url}`)
    const [p, q = ''] = o.url.slice(base.length).split('?')
    const call: Call = { method: o.method || 'GET', path: p, query: q, data: o.data, header: o.header || {} }
    s.calls.push(call)
    const key = `${call.method} ${p}`
    const n = (counts.get(key) || 0) + 1
    counts.set(key, n)
    const r = table.get(key)
    const a: Answer = !r
      ? fallback || { status: 404, body: { error: { code: 'TEST.NO_ROUTE', message: `测试未配置 ${key}` } } }
      : typeof r === 'function'
        ? r(call, n)
        : r
    const deliver = () => later(() => o.success?.({ statusCode: a.status, data: a.body, header: {}, cookies: [], errMsg: 'request:ok' }))
    if (a.hold) a.hold.then(deliver)
    else deliver()
    return { abort() {} }
  }
  w.login = (o: any) => {
    s.logins++
    later(() => o.success({ code: `code-${s.logins}`, errMsg: 'login:ok' }))
  }
  w.getStorageSync = (k: string) => (s.store.has(k) ? s.store.get(k) : '')
  w.setStorageSync = (k: string, v: unknown) => s.store.set(k, v)
  w.removeStorageSync = (k: string) => s.store.delete(k)
  for (const api of ['navigateTo', 'redirectTo', 'switchTab', 'reLaunch', 'navigateBack']) {
    w[api] = (o: any = {}) => {
      s.navs.push({ api, url: o.url || '' })
      later(() => o.success?.({ errMsg: `${api}:ok` }))
    }
  }
  w.showToast = (o: any) => s.toasts.push(o.title)
  w.showModal = (o: any) => {
    s.modals.push({ title: o.title, content: o.content })
    later(() => o.success?.({ confirm: s.modalConfirm, cancel: !s.modalConfirm, content: o.content || '' }))
  }
  w.showLoading = () => undefined
  w.hideLoading = () => undefined
  w.stopPullDownRefresh = () => undefined
  w.setClipboardData = (o: any) => later(() => o.success?.({}))
  w.makePhoneCall = (o: any) => later(() => o.success?.({}))
  w.openSetting = (o: any) => {
    s.settingsOpened++
    later(() => o.success?.({ authSetting: {} }))
  }
  w.downloadFile = (o: any) => {
    s.downloads.push({ url: o.url, header: o.header || {}, filePath: o.filePath })
    const r = s.download(o.url, s.downloads.length)
    const tempFilePath = `http://tmp/download-${s.downloads.length}`
    if (r.body !== undefined) s.store.set(`file:${o.filePath || tempFilePath}`, r.body)
    later(() => o.success?.({ statusCode: r.statusCode, tempFilePath, filePath: o.filePath, errMsg: 'downloadFile:ok' }))
    return { abort() {} }
  }
  w.getFileSystemManager = () => ({
    readFileSync: (p: string) => {
      if (!s.store.has(`file:${p}`)) throw new Error(`no such file ${p}`)
      return s.store.get(`file:${p}`)
    },
  })
  w.saveImageToPhotosAlbum = (o: any) => {
    later(() => {
      if (s.saveResult) return o.fail?.(s.saveResult)
      s.saved.push(o.filePath)
      o.success?.({ errMsg: 'saveImageToPhotosAlbum:ok' })
    })
  }
  w.shareFileMessage = (o: any) => {
    later(() => {
      s.shared.push({ filePath: o.filePath, fileName: o.fileName })
      o.success?.({ errMsg: 'shareFileMessage:ok' })
    })
  }
  w.env = { USER_DATA_PATH: 'wxfile://usr' }
  return s
}

/** A stored session for a role, as after a successful login. */
export function signedInAs(s: Stub, role: 'hq_admin' | 'store_manager' | 'rep', storeId: number | null = role === 'hq_admin' ? null : 1): void {
  s.store.set('siyu.accessToken', `access-${role}`)
  s.store.set('siyu.refreshToken', `refresh-${role}`)
  s.store.set('siyu.staff', { name: role === 'rep' ? '导购小王' : role === 'store_manager' ? '店长老李' : '总部运营', role, storeId })
}

/**
 * Polls until `cond` holds. It gives up only after `ms` without progress (no answer delivered
 * by the fakes), not after `ms` in all: on a loaded machine a
 * page may take longer to get there, and a deadline on the total made tests fail that were only
 * slow (a fixed total of 3 s failed `concurrent 401s share one refresh` once on a busy box).
 */
export async function waitFor(cond: () => boolean, what: string | (() => string) = 'condition', ms = 3000): Promise<void> {
  let seen = delivered
  let since = Date.now()
  while (!cond()) {
    if (delivered !== seen) {
      seen = delivered
      since = Date.now()
    } else if (Date.now() - since > ms) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()} (nothing happened for ${ms} ms)`)
    }
    await simulate.sleep(5)
  }
}

export type Rendered = ReturnType<typeof simulate.render>

/** Renders and attaches a page, then runs its onLoad with the given query like the framework would. */
export function open(id: string, q: Record<string, string> = {}): Rendered {
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  ;(page.instance as any).onLoad(q)
  return page
}

export const text = (c: { dom?: Element | null }): string => (c.dom?.textContent || '').replace(/\s+/g, ' ')

export async function waitText(page: Rendered, s: string): Promise<void> {
  await waitFor(() => text(page).includes(s), () => `text "${s}" (page shows: ${text(page).slice(0, 400)})`)
}

export function tap(page: Rendered, selector: string, detail?: unknown): void {
  const el = page.querySelector(selector)
  if (!el) throw new Error(`no element ${selector}`)
  el.dispatchEvent('tap', detail === undefined ? {} : { detail })
}

export function input(page: Rendered, selector: string, value: string, event = 'input'): void {
  const el = page.querySelector(selector)
  if (!el) throw new Error(`no element ${selector}`)
  el.dispatchEvent(event, { detail: { value } })
}

export const sleep = simulate.sleep

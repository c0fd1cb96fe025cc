import { apiOrigin } from './config'

/**
 * DevTools against a local sandbox backend (`npm start` at the repo root): a real wx.login code
 * means nothing to the sandbox's WeChat emulator, so a developer can make this build ask the
 * sandbox for a code of a chosen test openid instead, by running once in the DevTools console:
 *
 *   wx.setStorageSync('siyu.devSandbox', { adminKey: '<adminApiKey from data/dev-secrets.json>', openid: 'o-hq001' })
 *
 * Only the develop version looks at it; trial and release always use wx.login.
 */
export interface DevSandbox {
  adminKey: string
  openid: string
}

export function devSandbox(): DevSandbox | null {
  let env = 'develop'
  try {
    env = wx.getAccountInfoSync().miniProgram.envVersion
  } catch (err) {
    console.warn('getAccountInfoSync unavailable', err)
  }
  if (env !== 'develop') return null
  const v = wx.getStorageSync('siyu.devSandbox') as Partial<DevSandbox> | ''
  return v && typeof v === 'object' && v.adminKey && v.openid ? { adminKey: v.adminKey, openid: v.openid } : null
}

export function sandboxCode(dev: DevSandbox): Promise<string> {
  return new Promise((resolve, reject) =>
    wx.request<{ code?: string; error?: { message?: string } }>({
      url: `${apiOrigin()}/sandbox/wx-login`,
      method: 'POST',
      data: { openid: dev.openid },
      header: { 'content-type': 'application/json', Authorization: `Bearer ${dev.adminKey}` },
      success: (r) => (r.statusCode === 200 && r.data.code ? resolve(r.data.code) : reject(new Error(`沙箱登录失败：${r.data.error?.message || r.statusCode}`))),
      fail: (e) => reject(new Error(`沙箱登录失败：${e.errMsg}`)),
    }),
  )
}

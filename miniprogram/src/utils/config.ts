/**
 * Where the API lives, chosen at run time by the mini-program's version: the developer's own
 * backend in DevTools (`npm start` at the repo root listens on 3000), the staging and production
 * servers for 体验版 and 正式版. Trial and release must be HTTPS domains listed under
 * 开发管理 → 服务器域名 in the WeChat admin console.
 */
const BASES: Record<WechatMiniprogram.MiniProgram['envVersion'], string> = {
  develop: 'http://127.0.0.1:3000',
  trial: 'https://staging.siyu.example.com',
  release: 'https://siyu.example.com',
}

export function apiOrigin(): string {
  let env: WechatMiniprogram.MiniProgram['envVersion'] = 'develop'
  try {
    env = wx.getAccountInfoSync().miniProgram.envVersion
  } catch (err) {
    // Very old base libraries lack getAccountInfoSync; they can only be DevTools builds here.
    console.warn('getAccountInfoSync unavailable, using develop API', err)
  }
  return BASES[env] || BASES.develop
}

export const API_PREFIX = '/api/mp'
export const apiBase = (): string => `${apiOrigin()}${API_PREFIX}`

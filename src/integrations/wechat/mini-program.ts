import { AppError, unauthorized, unavailable } from '../../shared/errors.js';

export interface MiniSession {
  openid: string;
  unionid?: string;
}

/**
 * `GET /sns/jscode2session` of the store operators' mini-program. The session_key is read and
 * dropped here: Siyu issues its own tokens and never decrypts user data with it.
 * Fails with MP.CODE_INVALID (401) for a bad, expired or used code, and with a 503 when
 * WeChat is busy, unreachable or refuses our AppID/AppSecret (a configuration problem).
 */
export class MiniProgramApi {
  constructor(private readonly o: { apiBase: string; appId?: string; appSecret?: string; timeoutMs: number }) {}

  async code2Session(code: string): Promise<MiniSession> {
    if (!this.o.appId || !this.o.appSecret) throw unavailable('MP.NOT_CONFIGURED', '小程序登录尚未配置，请联系管理员');
    const u = new URL('/sns/jscode2session', this.o.apiBase);
    u.search = new URLSearchParams({ appid: this.o.appId, secret: this.o.appSecret, js_code: code, grant_type: 'authorization_code' }).toString();
    let body: { openid?: unknown; unionid?: unknown; errcode?: unknown; errmsg?: unknown };
    try {
      const res = await fetch(u, { signal: AbortSignal.timeout(this.o.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = (await res.json()) as typeof body;
    } catch (e) {
      throw unavailable('MP.WECHAT_UNAVAILABLE', '微信服务暂时不可用，请稍后再试', e);
    }
    const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
    // 40029 invalid code (unknown or expired), 40163 code been used.
    if (errcode === 40029 || errcode === 40163) throw unauthorized('MP.CODE_INVALID', '登录凭证无效或已过期，请重新登录');
    // 45011 (rate limit) and -1 (busy) may pass; anything else (40013/40125: our AppID/secret) will not.
    if (errcode !== 0) {
      throw new AppError('MP.WECHAT_REFUSED', '微信登录失败，请稍后再试', { status: 503, transient: errcode === -1 || errcode === 45011, details: { errcode } });
    }
    if (typeof body.openid !== 'string' || !body.openid) throw unavailable('MP.WECHAT_UNAVAILABLE', '微信服务暂时不可用，请稍后再试');
    return { openid: body.openid, ...(typeof body.unionid === 'string' ? { unionid: body.unionid } : {}) };
  }
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../shared/clock.js';
import { EmulatorServer, queryOf, sendJson } from '../wecom/http-io.js';

/** How long a wx.login code stays exchangeable (WeChat: 5 minutes, single use). */
export const CODE_TTL_MS = 5 * 60_000;

/** The errcodes of jscode2session this emulator answers (WeChat's documented values). */
export const WECHAT_ERRCODE = {
  SYSTEM_BUSY: -1,
  INVALID_APPSECRET: 40125,
  INVALID_APPID: 40013,
  INVALID_CODE: 40029,
  CODE_USED: 40163,
  INVALID_GRANT_TYPE: 40002,
} as const;

export interface WechatEmulatorOptions {
  appId: string;
  appSecret: string;
  clock?: Clock;
}

interface IssuedCode {
  openid: string;
  unionid?: string;
  expiresAt: number;
  used: boolean;
}

/**
 * An in-memory WeChat server API for the store operators' mini-program: `GET /sns/jscode2session`
 * with WeChat's wire format. A test (or the sandbox) plays wx.login by calling `issueCode`.
 */
export class WechatEmulator {
  readonly calls: Array<{ at: number; path: string; errcode: number }> = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly clock: Clock;
  private readonly server = new EmulatorServer((req, res) => this.handle(req, res));

  constructor(private readonly opts: WechatEmulatorOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** What wx.login returns on a phone whose WeChat user has this openid: single use, 5 minutes. */
  issueCode(openid: string, opts: { unionid?: string } = {}): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { openid, unionid: opts.unionid, expiresAt: this.clock.now() + CODE_TTL_MS, used: false });
    return code;
  }

  /** Node http handler: answers /sns/jscode2session and returns false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (url.pathname !== '/sns/jscode2session') return false;
    const answer = this.jscode2session(queryOf(url));
    this.calls.push({ at: this.clock.now(), path: url.pathname, errcode: 'errcode' in answer ? answer.errcode : 0 });
    // WeChat answers errors with HTTP 200 and an errcode in the body.
    sendJson(res, 200, answer);
    return true;
  }

  private jscode2session(q: Record<string, string>): { openid: string; session_key: string; unionid?: string } | { errcode: number; errmsg: string } {
    const fail = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg}, rid: ${randomBytes(4).toString('hex')}` });
    if (q.appid !== this.opts.appId) return fail(WECHAT_ERRCODE.INVALID_APPID, 'invalid appid');
    if (q.secret !== this.opts.appSecret) return fail(WECHAT_ERRCODE.INVALID_APPSECRET, 'invalid appsecret');
    if (q.grant_type !== 'authorization_code') return fail(WECHAT_ERRCODE.INVALID_GRANT_TYPE, 'invalid grant_type');
    const issued = q.js_code ? this.codes.get(q.js_code) : undefined;
    if (!issued || issued.expiresAt <= this.clock.now()) return fail(WECHAT_ERRCODE.INVALID_CODE, 'invalid code');
    if (issued.used) return fail(WECHAT_ERRCODE.CODE_USED, 'code been used');
    issued.used = true;
    return { openid: issued.openid, session_key: randomBytes(16).toString('base64'), ...(issued.unionid ? { unionid: issued.unionid } : {}) };
  }

  /** Listens on loopback; returns the base URL to configure as `wechat.apiBase`. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return `http://${host}:${await this.server.listen(port, host)}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

import type { Siyu } from '../../src/main/compose.js';
import { admin } from './app.js';

export interface Reply {
  status: number;
  json: any;
}

/** fetch against /api/mp with an optional mini-program access token. */
export function mp(siyu: Siyu) {
  return async (method: string, path: string, o: { token?: string; body?: unknown } = {}): Promise<Reply> => {
    const res = await fetch(`${siyu.url}/api/mp${path}`, {
      method,
      headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
}

export async function addStore(siyu: Siyu, code: string): Promise<number> {
  return (await siyu.stores.create({ code, name: `${code}店`, quietHours: null, dormantDays: null })).id;
}

export async function saveStaff(siyu: Siyu, s: { wecomUserId: string; role: 'hq_admin' | 'store_manager' | 'rep'; storeId: number | null; active?: boolean }): Promise<void> {
  const res = await admin(siyu).post('/api/staff', { name: s.wecomUserId, active: true, ...s });
  if (res.status !== 200) throw new Error(`staff ${s.wecomUserId}: ${res.status} ${res.text}`);
}

export async function invite(siyu: Siyu, wecomUserId: string): Promise<string> {
  const res = await admin(siyu).post(`/api/staff/${wecomUserId}/invites`);
  if (res.status !== 201) throw new Error(`invite ${wecomUserId}: ${res.status} ${res.text}`);
  return res.json.inviteCode as string;
}

/** wx.login on a phone of this WeChat user, then login, binding with a fresh invite the first time. */
export async function loginAs(siyu: Siyu, wecomUserId: string, openid = `o-${wecomUserId}`): Promise<{ accessToken: string; refreshToken: string }> {
  const call = mp(siyu);
  const login = await call('POST', '/login', { body: { code: siyu.wechatEmulator!.issueCode(openid) } });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.json)}`);
  if (!login.json.needsBinding) return login.json;
  const bound = await call('POST', '/bind', { body: { bindToken: login.json.bindToken, inviteCode: await invite(siyu, wecomUserId) } });
  if (bound.status !== 200) throw new Error(`bind: ${bound.status} ${JSON.stringify(bound.json)}`);
  return bound.json;
}

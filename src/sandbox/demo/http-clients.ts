import { createHmac, randomBytes } from 'node:crypto';

/** A non-2xx answer the demo did not expect: the step and the server's error, never swallowed. */
export class DemoStepError extends Error {}

async function call(url: string, init: RequestInit, expect: number[]): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!expect.includes(res.status)) throw new DemoStepError(`${init.method ?? 'GET'} ${new URL(url).pathname} → ${res.status} ${text.slice(0, 300)}`);
  let json: any;
  try {
    json = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The admin API with its bearer key. */
export function adminApi(baseUrl: string, key: string) {
  const headers = (body: boolean, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...extra });
  return {
    get: async (path: string) => (await call(`${baseUrl}${path}`, { headers: headers(false) }, [200])).json,
    post: async (path: string, body?: unknown, expect = [200, 201]) =>
      (await call(`${baseUrl}${path}`, { method: 'POST', headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) }, expect)).json,
    postText: async (path: string, contentType: string, body: string) =>
      (await call(`${baseUrl}${path}`, { method: 'POST', headers: headers(false, { 'content-type': contentType }), body }, [200, 201])).json,
  };
}
export type AdminApi = ReturnType<typeof adminApi>;

/** The mini-program API as a phone would use it. */
export function miniProgramApi(baseUrl: string) {
  const req = async (method: string, path: string, o: { token?: string; body?: unknown } = {}) =>
    (
      await call(
        `${baseUrl}/api/mp${path}`,
        {
          method,
          headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
        },
        [200, 201],
      )
    ).json;
  return {
    req,
    /** wx.login code → login; the first time binds the WeChat user with the staff member's invite. */
    login: async (code: string, invite?: () => Promise<string>): Promise<string> => {
      const r = await req('POST', '/login', { body: { code } });
      if (!r.needsBinding) return r.accessToken as string;
      if (!invite) throw new DemoStepError('mini-program login needs binding but no invite was given');
      return (await req('POST', '/bind', { body: { bindToken: r.bindToken, inviteCode: await invite() } })).accessToken as string;
    },
  };
}

/**
 * A phone opening a channel's landing page: keeps its visitor cookie and the form token of the
 * page it was shown, like the browser would.
 */
export function landingVisitor(baseUrl: string) {
  let cookie = '';
  let token = '';
  const keep = (res: Response) => {
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
  };
  return {
    async open(code: string): Promise<void> {
      const res = await fetch(`${baseUrl}/s/${code}`, { headers: cookie ? { cookie } : {} });
      keep(res);
      const html = await res.text();
      if (res.status !== 200) throw new DemoStepError(`GET /s/${code} → ${res.status}`);
      token = /name="ft" value="([^"]+)"/.exec(html)?.[1] ?? '';
    },
    /** false when the page refused it as too frequent (429: the per-address hourly limit). */
    async submit(code: string, lead: { name: string; phone: string }): Promise<boolean> {
      const res = await fetch(`${baseUrl}/s/${code}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams({ ft: token, name: lead.name, phone: lead.phone, consent: '1' }).toString(),
      });
      keep(res);
      const html = await res.text();
      if (res.status === 429) return false;
      if (res.status !== 200) throw new DemoStepError(`POST /s/${code} → ${res.status} ${/class="err[^"]*"[^>]*>([^<]+)/.exec(html)?.[1] ?? ''}`);
      return true;
    },
  };
}

/** A mall/POS system pushing paid orders, signed as README "Signing integration requests" says. */
export function posClient(baseUrl: string, source: string, secret: string, nowSec: () => number) {
  return async (body: unknown) => {
    const raw = JSON.stringify(body);
    const timestamp = String(nowSec());
    const nonce = randomBytes(12).toString('hex');
    const signature = createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n${raw}`).digest('hex');
    return (
      await call(
        `${baseUrl}/api/integrations/orders`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-siyu-source': source, 'x-siyu-timestamp': timestamp, 'x-siyu-nonce': nonce, 'x-siyu-signature': signature }, body: raw },
        [201],
      )
    ).json;
  };
}

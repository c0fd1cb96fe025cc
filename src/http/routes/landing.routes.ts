import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { LandingService, type Visit } from '../../domain/landing/landing.service.js';
import type { Channel } from '../../domain/channel/channel.types.js';
import { formatVisitorMark, parseVisitorMark, type VisitorMark } from '../../domain/landing/visits.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { normalizeCnMobile, type PiiCipher } from '../../shared/pii.js';
import type { Cache } from '../../shared/cache.js';
import { TTL, type CacheKeys } from '../../shared/cache-keys.js';
import { readText } from '../body.js';
import type { FormTokens } from '../form-token.js';
import { renderClosed, renderForm, renderThanks, type FormView } from '../views/landing.views.js';

const VISITOR_COOKIE = 'sy_vid';
const CODE_RE = /^ch_[a-z0-9]{12}$/;

export interface LandingRouteDeps {
  landing: LandingService;
  pii: PiiCipher;
  tokens: FormTokens;
  cache: Cache;
  keys: CacheKeys;
  clock: Clock;
  /** The landing page's security headers (security-headers.ts), on every answer under /s. */
  pageHeaders: Readonly<Record<string, string>>;
}

const leadForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, '请填写您的称呼')
    .max(20, '称呼不能超过20个字')
    .refine((s) => !/[<>"'`\\/{}\u0000-\u001f\u007f]/.test(s), '称呼不能包含特殊符号'),
  phone: z
    .string()
    .max(20, '请填写正确的11位手机号')
    .transform((s, ctx) => normalizeCnMobile(s) ?? (ctx.addIssue({ code: 'custom', message: '请填写正确的11位手机号' }), z.NEVER)),
  consent: z.literal('1', { error: '请阅读并同意隐私说明' }),
});

const COOKIE_MAX_AGE_MS = 365 * 86_400_000;

/** The raw value of the visitor cookie in a Cookie header, if any. */
export function visitorCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === VISITOR_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The visitor's first-party mark (id and today's counted channels): from the cookie, or a new id. */
function markOf(raw: string | undefined): VisitorMark {
  // randomUUID draws from a buffered pool: much cheaper per call than randomBytes on a scan burst.
  return parseVisitorMark(raw) ?? { id: randomUUID().replace(/-/g, ''), day: 0, channels: [] };
}

/**
 * The Set-Cookie value that keeps `mark`, or undefined when the visitor's cookie already says it.
 * `secure` when the visitor came over HTTPS (as client-origin.ts reads it): such a cookie is
 * never sent over plain HTTP, where anyone on the shop Wi-Fi could read it. Not on plain HTTP
 * (development, the sandbox), where the browser would drop it.
 */
function keepMark(mark: VisitorMark, raw: string | undefined, now: number, https: boolean): string | undefined {
  const value = formatVisitorMark(mark);
  if (value === raw) return undefined;
  return `${VISITOR_COOKIE}=${value}; path=/s; max-age=${COOKIE_MAX_AGE_MS / 1000}; expires=${expiresAt(now)}; samesite=lax; httponly${https ? '; secure' : ''}`;
}

/** The cookie's expiry date, formatted once a second rather than once a scan. */
let expires = { second: -1, text: '' };
function expiresAt(now: number): string {
  const second = Math.floor(now / 1000);
  if (expires.second !== second) expires = { second, text: new Date(second * 1000 + COOKIE_MAX_AGE_MS).toUTCString() };
  return expires.text;
}

/** What a scan of /s/<code> needs from the request, whichever server read it. */
export interface ScanRequest {
  code: string;
  /** The Cookie header. */
  cookie: string | undefined;
  ip: string;
  /** The visitor came over HTTPS: the cookie is marked Secure. */
  https: boolean;
  userAgent: string;
}

export interface ScanAnswer {
  status: 200 | 404 | 410;
  html: Buffer | string;
  setCookie?: string;
}

/**
 * GET /s/<code>: counts the scan and renders the offer and form; unknown, paused and expired
 * channels get a friendly page and nothing is recorded. Shared by the Koa route and the
 * node:http fast path (landing-scan.handler.ts) so both answer the same.
 */
export function scanPage(d: LandingRouteDeps): (q: ScanRequest) => Promise<ScanAnswer> {
  const forms = formViews(d);
  return async (q) => {
    const c = await openOrClosed(d, q.code);
    if ('html' in c) return c;
    const raw = visitorCookie(q.cookie);
    const mark = markOf(raw);
    const v = visitOf(d, mark.id, q.ip, q.userAgent);
    const counted = await d.landing.recordScan(c, v, mark);
    const setCookie = keepMark(counted.mark, raw, d.clock.now(), q.https);
    return { status: 200, html: renderForm(forms(c, v)), ...(setCookie ? { setCookie } : {}) };
  };
}

/**
 * Only a keyed hash of the address is kept: enough for limits, useless to anyone else. The hashes
 * of recent addresses are remembered (a crowd behind one carrier NAT or shop Wi-Fi scans from one
 * address), bounded so a burst of distinct addresses cannot grow it.
 */
const ipHashMemos = new WeakMap<PiiCipher, Map<string, string>>();
function ipHashOf(d: LandingRouteDeps, ip: string): string {
  // One memo per key: two apps in one process (tests) must not share hashes.
  let memo = ipHashMemos.get(d.pii);
  if (!memo) ipHashMemos.set(d.pii, (memo = new Map()));
  let h = memo.get(ip);
  if (h === undefined) {
    h = d.pii.hash(`ip:${ip}`).slice(0, 32);
    if (memo.size >= 10_000) memo.clear();
    memo.set(ip, h);
  }
  return h;
}

const visitOf = (d: LandingRouteDeps, visitorId: string, ip: string, userAgent: string): Visit => ({ visitorId, ipHash: ipHashOf(d, ip), userAgent });

/** The open channel, or the friendly page (404/410) to answer instead. */
async function openOrClosed(d: LandingRouteDeps, code: string): Promise<Channel | { status: 404 | 410; html: string }> {
  try {
    if (!CODE_RE.test(code)) throw new AppError('LANDING.NOT_FOUND', '这个二维码不存在或已失效', { status: 404 });
    return await d.landing.openChannel(code);
  } catch (e) {
    if (e instanceof AppError && (e.status === 404 || e.status === 410)) return { status: e.status, html: renderClosed(e.status, e.message) };
    throw e;
  }
}

const formViews =
  (d: LandingRouteDeps) =>
  (c: { code: string; name: string; offer: string | null; attributes: Record<string, string> }, v: Visit, extra: Partial<FormView> = {}): FormView => ({
    code: c.code,
    title: c.name,
    offer: c.offer ?? undefined,
    placement: Object.values(c.attributes).join(' · ') || undefined,
    formToken: d.tokens.issue(c.code, v.visitorId, d.clock.now()),
    ...extra,
  });

/**
 * /s/<code>: the page behind a channel's landing QR. GET counts the scan and shows the offer
 * and form; POST validates (Chinese messages inline, the page re-rendered), records the lead,
 * and shows the person's own QR code for adding the rep. Unknown and paused channels get a
 * friendly page with 404 / 410 and nothing is recorded.
 */
export function landingRoutes(d: LandingRouteDeps): Router {
  const r = new Router({ prefix: '/s' });
  r.use((ctx, next) => {
    ctx.set(d.pageHeaders);
    return next();
  });

  const scan = scanPage(d);
  const formView = formViews(d);
  const answer = (ctx: Context, a: { status: number; html: Buffer | string; setCookie?: string }) => {
    if (a.setCookie) ctx.append('Set-Cookie', a.setCookie);
    ctx.status = a.status;
    ctx.type = 'html';
    ctx.body = a.html;
  };

  // GET is normally answered by the node:http fast path before Koa; this route serves HEAD and
  // any server built without the fast path (the same function answers both).
  r.get('/:code', async (ctx) => {
    const a = await scan({ code: ctx.params.code!, cookie: ctx.get('cookie') || undefined, ip: ctx.ip, https: ctx.state.https === true, userAgent: ctx.get('user-agent') });
    if (a.status === 200) ctx.set('Cache-Control', 'no-store');
    answer(ctx, a);
  });

  r.post('/:code', async (ctx) => {
    const c = await openOrClosed(d, ctx.params.code!);
    if ('html' in c) return answer(ctx, c);
    const raw = visitorCookie(ctx.get('cookie') || undefined);
    const mark = markOf(raw);
    const setCookie = keepMark(mark, raw, d.clock.now(), ctx.state.https === true);
    if (setCookie) ctx.append('Set-Cookie', setCookie);
    const v = visitOf(d, mark.id, ctx.ip, ctx.get('user-agent'));
    const type = ctx.get('content-type');
    if (!/^application\/x-www-form-urlencoded/i.test(type)) throw new AppError('REQUEST.UNSUPPORTED_TYPE', '请通过页面表单提交', { status: 415 });
    const form = new URLSearchParams(await readText(ctx, 8 * 1024));
    const values = { name: form.get('name') ?? '', phone: form.get('phone') ?? '', consent: form.get('consent') === '1' };
    const reject = (status: number, errors: FormView['errors']) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = renderForm(formView(c, v, { values, errors }));
    };
    // A filled honeypot is a bot: the same answer as a stale form, and nothing is written.
    const token = form.get('ft') ?? '';
    if ((form.get('website') ?? '') !== '' || !d.tokens.valid(token, c.code, v.visitorId, d.clock.now())) {
      return reject(400, { form: '页面已过期，请重新填写后提交' });
    }
    const parsed = leadForm.safeParse(Object.fromEntries(['name', 'phone', 'consent'].map((k) => [k, form.get(k) ?? ''])));
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
      return reject(400, errors);
    }
    if (!(await d.cache.setIfAbsent(d.keys.formTokenUsed(token), '1', TTL.formTokenMs))) {
      return reject(409, { form: '请勿重复提交，如需修改请刷新页面' });
    }
    try {
      const result = await d.landing.submitLead(c.code, { name: parsed.data.name, phone: parsed.data.phone, consent: true }, v);
      ctx.type = 'html';
      ctx.body = renderThanks({ title: c.name, qrCode: result.qrCode, maskedPhone: result.maskedPhone, coupon: result.couponCode ? { code: result.couponCode, title: result.couponTitle ?? '' } : undefined });
    } catch (e) {
      // Let the person try again with the same form if nothing was recorded.
      await d.cache.del(d.keys.formTokenUsed(token));
      if (e instanceof AppError && e.status === 429) return reject(429, { form: e.message });
      throw e;
    }
  });

  return r;
}

import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { LandingService, type Visit } from '../../domain/landing/landing.service.js';
import { formatVisitorMark, parseVisitorMark, type VisitorMark } from '../../domain/landing/visits.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { normalizeCnMobile, type PiiCipher } from '../../shared/pii.js';
import type { Cache } from '../../store/cache/cache.js';
import { TTL, type CacheKeys } from '../../store/cache/keys.js';
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

/** The visitor's first-party mark (id and today's counted channels): from the cookie, or a new id. */
function markOf(ctx: Context): { mark: VisitorMark; raw: string | undefined } {
  const raw = ctx.cookies.get(VISITOR_COOKIE);
  // randomUUID draws from a buffered pool: much cheaper per call than randomBytes on a scan burst.
  return { mark: parseVisitorMark(raw) ?? { id: randomUUID().replace(/-/g, ''), day: 0, channels: [] }, raw };
}

function keepMark(ctx: Context, mark: VisitorMark, raw: string | undefined): void {
  const value = formatVisitorMark(mark);
  if (value !== raw) ctx.cookies.set(VISITOR_COOKIE, value, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86_400_000, path: '/s', overwrite: true });
}

/**
 * /s/<code>: the page behind a channel's landing QR. GET counts the scan and shows the offer
 * and form; POST validates (Chinese messages inline, the page re-rendered), records the lead,
 * and shows the person's own QR code for adding the rep. Unknown and paused channels get a
 * friendly page with 404 / 410 and nothing is recorded.
 */
export function landingRoutes(d: LandingRouteDeps): Router {
  const r = new Router({ prefix: '/s' });

  const visit = (ctx: Context, visitorId: string): Visit => ({
    visitorId,
    // Only a keyed hash of the address is kept: enough for limits, useless to anyone else.
    ipHash: d.pii.hash(`ip:${ctx.ip}`).slice(0, 32),
    userAgent: ctx.get('user-agent') ?? '',
  });

  const open = async (ctx: Context, code: string) => {
    try {
      if (!CODE_RE.test(code)) throw new AppError('LANDING.NOT_FOUND', '这个二维码不存在或已失效', { status: 404 });
      return await d.landing.openChannel(code);
    } catch (e) {
      if (e instanceof AppError && (e.status === 404 || e.status === 410)) {
        ctx.status = e.status;
        ctx.type = 'html';
        ctx.body = renderClosed(e.status, e.message);
        return undefined;
      }
      throw e;
    }
  };

  const formView = (c: { code: string; name: string; offer: string | null; attributes: Record<string, string> }, v: Visit, extra: Partial<FormView> = {}): FormView => ({
    code: c.code,
    title: c.name,
    offer: c.offer ?? undefined,
    placement: Object.values(c.attributes).join(' · ') || undefined,
    formToken: d.tokens.issue(c.code, v.visitorId, d.clock.now()),
    ...extra,
  });

  r.get('/:code', async (ctx) => {
    const c = await open(ctx, ctx.params.code!);
    if (!c) return;
    const { mark, raw } = markOf(ctx);
    const v = visit(ctx, mark.id);
    keepMark(ctx, (await d.landing.recordScan(c, v, mark)).mark, raw);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = renderForm(formView(c, v));
  });

  r.post('/:code', async (ctx) => {
    const c = await open(ctx, ctx.params.code!);
    if (!c) return;
    const { mark, raw } = markOf(ctx);
    keepMark(ctx, mark, raw);
    const v = visit(ctx, mark.id);
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

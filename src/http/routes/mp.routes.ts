import Router from '@koa/router';
import { z } from 'zod';
import type { MpAuthService, MpSession } from '../../domain/mp/mp-auth.service.js';
import type { MpService } from '../../domain/mp/mp.service.js';
import type { MpTask } from '../../domain/mp/mp.ports.js';
import { SEGMENTS, type Segment } from '../../domain/segment/rfm.js';
import { readJson } from '../body.js';
import { mpAuth, principalOf } from '../middleware/mp-auth.js';
import { limitPerIp } from '../middleware/rate-limit.js';
import type { WindowLimiter } from '../../domain/mp/mp-auth.ports.js';
import { MP_LIMITS } from '../../domain/mp/rate-limits.js';
import { iso, parseId, printableText } from '../validation.js';
import { presentTimeline } from './customers.routes.js';
import { MP_OPENAPI } from './mp-openapi.js';

const token = z.string().trim().min(1).max(2048);
const loginBody = z.object({ code: z.string().trim().min(1).max(128) }).strict();
const bindBody = z.object({ bindToken: token, inviteCode: z.string().trim().min(4).max(32) }).strict();
const refreshBody = z.object({ refreshToken: token }).strict();
const logoutBody = z.object({ refreshToken: token.optional() }).strict();
/** Every /api/mp list pages by 20, at most 100 (the mini-program contract). */
export const mpPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
/** An opaque keyset cursor (a previous page's nextCursor); checked by the service. */
export const cursorParam = z.string().min(1, '翻页游标无效或已过期，请从第一页重新加载').max(200, '翻页游标无效或已过期，请从第一页重新加载').optional();
const keysetPageQuery = mpPageQuery.extend({ cursor: cursorParam });
export const customerQuery = keysetPageQuery.extend({
  q: printableText(32).optional(),
  tag: printableText(30).optional(),
  stage: z.enum(['lead', 'new', 'repeat', 'dormant', 'reactivated', 'churned']).optional(),
  segment: z.enum(SEGMENTS.map((s) => s.code) as [Segment, ...Segment[]]).optional(),
  channelId: z.coerce.number().int().positive().optional(),
  storeId: z.coerce.number().int().positive().optional(),
});
const taskQuery = keysetPageQuery.extend({ scope: z.enum(['mine', 'store']).default('mine') });
const completeBody = z.object({ outcome: printableText(255) }).strict();

const presentSession = (s: MpSession) => ({
  accessToken: s.accessToken,
  accessTokenExpiresAt: iso(s.accessTokenExpiresAt),
  refreshToken: s.refreshToken,
  refreshTokenExpiresAt: iso(s.refreshTokenExpiresAt),
  staff: s.staff,
});

/** GET /customers/:id, and what a customer edit answers with. */
export const presentCustomerDetail = (c: Awaited<ReturnType<MpService['customer']>>) => ({
  id: c.id,
  name: c.name,
  avatar: c.avatar,
  stage: c.stage,
  storeId: c.storeId,
  ownerUserId: c.ownerUserId,
  optedOut: c.optedOut,
  phoneMasked: c.phoneMasked,
  createdAt: iso(c.createdAt),
  tags: c.tags,
  timeline: presentTimeline(c.timeline),
});

const presentTask = (t: MpTask) => ({
  id: t.id,
  kind: t.kind,
  title: t.title,
  status: t.status,
  dueAt: iso(t.dueAt),
  customerId: t.customerId,
  customerName: t.customerName,
  staffUserId: t.staffUserId,
  storeId: t.storeId,
  outcome: t.outcome,
  doneAt: iso(t.doneAt),
});

/**
 * The store operators' mini-program API. Public at the Koa level: login, bind and refresh are
 * open, everything else authenticates with the mini-program's own access token and is scoped
 * to the caller (src/domain/access).
 */
export function mpRoutes(d: { auth: MpAuthService; mp: MpService; ipHash(ip: string): string; limiter?: WindowLimiter }): Router {
  const r = new Router({ prefix: '/api/mp' });
  const authed = mpAuth(d.auth);

  r.get('/openapi.json', (ctx) => {
    ctx.body = MP_OPENAPI;
  });

  r.post('/login', limitPerIp(d, 'login', MP_LIMITS.loginPerIp), async (ctx) => {
    const { code } = loginBody.parse(await readJson(ctx));
    const res = await d.auth.login(code);
    ctx.body = res.needsBinding ? { needsBinding: true, bindToken: res.bindToken, bindTokenExpiresAt: iso(res.bindTokenExpiresAt) } : { needsBinding: false, ...presentSession(res) };
  });

  r.post('/bind', limitPerIp(d, 'bind', MP_LIMITS.bindPerIp), async (ctx) => {
    const b = bindBody.parse(await readJson(ctx));
    ctx.body = presentSession(await d.auth.bind(b.bindToken, b.inviteCode));
  });

  r.post('/refresh', limitPerIp(d, 'refresh', MP_LIMITS.refreshPerIp), async (ctx) => {
    ctx.body = presentSession(await d.auth.refresh(refreshBody.parse(await readJson(ctx)).refreshToken));
  });

  r.post('/logout', authed, async (ctx) => {
    const raw = ctx.request.length ? await readJson(ctx) : {};
    await d.auth.logout(principalOf(ctx), logoutBody.parse(raw).refreshToken);
    ctx.status = 204;
  });

  r.get('/me', authed, async (ctx) => {
    ctx.body = await d.mp.me(principalOf(ctx));
  });

  r.get('/customers', authed, async (ctx) => {
    const f = customerQuery.parse(ctx.query);
    const { items, total, totalCapped, nextCursor } = await d.mp.listCustomers(principalOf(ctx), f);
    ctx.body = { items, total, totalCapped, limit: f.limit, offset: f.offset, nextCursor };
  });

  r.get('/customers/:id', authed, async (ctx) => {
    ctx.body = presentCustomerDetail(await d.mp.customer(principalOf(ctx), parseId(ctx.params.id, 'MP.INVALID_ID', '客户')));
  });

  r.post('/customers/:id/reveal-phone', authed, async (ctx) => {
    const id = parseId(ctx.params.id, 'MP.INVALID_ID', '客户');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { phone: await d.mp.revealPhone(principalOf(ctx), id, d.ipHash(ctx.ip)) };
  });

  r.get('/tasks', authed, async (ctx) => {
    const q = taskQuery.parse(ctx.query);
    const { items, total, totalCapped, nextCursor } = await d.mp.listTasks(principalOf(ctx), q.scope, q);
    ctx.body = { items: items.map(presentTask), total, totalCapped, limit: q.limit, offset: q.offset, nextCursor };
  });

  r.post('/tasks/:id/complete', authed, async (ctx) => {
    const id = parseId(ctx.params.id, 'MP.INVALID_ID', '任务');
    const { outcome } = completeBody.parse(await readJson(ctx));
    ctx.body = presentTask(await d.mp.completeTask(principalOf(ctx), id, outcome));
  });

  return r;
}

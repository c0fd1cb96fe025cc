import Router from '@koa/router';
import { z } from 'zod';
import type { MpAuthService, MpSession } from '../../domain/mp/mp-auth.service.js';
import { readJson } from '../body.js';
import { mpAuth, principalOf } from '../middleware/mp-auth.js';
import { iso } from '../validation.js';

const token = z.string().trim().min(1).max(2048);
const loginBody = z.object({ code: z.string().trim().min(1).max(128) }).strict();
const bindBody = z.object({ bindToken: token, inviteCode: z.string().trim().min(4).max(32) }).strict();
const refreshBody = z.object({ refreshToken: token }).strict();
const logoutBody = z.object({ refreshToken: token.optional() }).strict();
const presentSession = (s: MpSession) => ({
  accessToken: s.accessToken,
  accessTokenExpiresAt: iso(s.accessTokenExpiresAt),
  refreshToken: s.refreshToken,
  refreshTokenExpiresAt: iso(s.refreshTokenExpiresAt),
  staff: s.staff,
});

/**
 * The store operators' mini-program API. Public at the Koa level: login, bind and refresh are
 * open, everything else authenticates with the mini-program's own access token and is scoped
 * to the caller (src/domain/access).
 */
export function mpRoutes(d: { auth: MpAuthService }): Router {
  const r = new Router({ prefix: '/api/mp' });
  const authed = mpAuth(d.auth);

  r.post('/login', async (ctx) => {
    const { code } = loginBody.parse(await readJson(ctx));
    const res = await d.auth.login(code);
    ctx.body = res.needsBinding ? { needsBinding: true, bindToken: res.bindToken, bindTokenExpiresAt: iso(res.bindTokenExpiresAt) } : { needsBinding: false, ...presentSession(res) };
  });

  r.post('/bind', async (ctx) => {
    const b = bindBody.parse(await readJson(ctx));
    ctx.body = presentSession(await d.auth.bind(b.bindToken, b.inviteCode));
  });

  r.post('/refresh', async (ctx) => {
    ctx.body = presentSession(await d.auth.refresh(refreshBody.parse(await readJson(ctx)).refreshToken));
  });

  r.post('/logout', authed, async (ctx) => {
    const raw = ctx.request.length ? await readJson(ctx) : {};
    await d.auth.logout(principalOf(ctx), logoutBody.parse(raw).refreshToken);
    ctx.status = 204;
  });

  r.get('/me', authed, (ctx) => {
    const p = principalOf(ctx);
    ctx.body = { staffId: p.staffId, wecomUserId: p.wecomUserId, name: p.name, role: p.role, storeId: p.storeId };
  });

  return r;
}

import Router from '@koa/router';
import type { MpAuthService } from '../../domain/mp/mp-auth.service.js';
import { badRequest } from '../../shared/errors.js';
import { iso } from '../validation.js';

/** Admin: invite codes with which a staff member binds their WeChat to the mini-program. */
export function staffInviteRoutes(d: { auth: MpAuthService }): Router {
  const r = new Router({ prefix: '/api/staff' });
  r.post('/:wecomUserId/invites', async (ctx) => {
    const userId = ctx.params.wecomUserId ?? '';
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw badRequest('STAFF.INVALID_ID', '企业微信账号无效');
    const invite = await d.auth.issueInvite(userId);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { inviteCode: invite.inviteCode, expiresAt: iso(invite.expiresAt) };
  });
  return r;
}

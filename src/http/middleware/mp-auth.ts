import type { Context, Next } from 'koa';
import type { Principal } from '../../domain/access/access.js';
import { unauthorized } from '../../shared/errors.js';

/**
 * `Authorization: Bearer <access token>` of the mini-program; the principal (read fresh from
 * the staff row by `authenticate`) lands in ctx.state.principal. Missing or dead tokens are 401.
 */
export function mpAuth(auth: { authenticate(token: string): Promise<Principal> }) {
  return async (ctx: Context, next: Next) => {
    const m = /^Bearer (.+)$/.exec(ctx.get('authorization'));
    try {
      if (!m) throw unauthorized('MP.UNAUTHORIZED', '请先登录');
      ctx.state.principal = await auth.authenticate(m[1]!);
    } catch (e) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw e;
    }
    await next();
  };
}

export const principalOf = (ctx: Context): Principal => ctx.state.principal as Principal;

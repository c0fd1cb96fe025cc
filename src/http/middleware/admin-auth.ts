import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { unauthorized } from '../../shared/errors.js';

/** `Authorization: Bearer <ADMIN_API_KEY>` for server-to-server and bootstrap calls. */
export function adminAuth(apiKey: string) {
  const expected = createHash('sha256').update(apiKey).digest();
  return async (ctx: Context, next: Next) => {
    const m = /^Bearer (.+)$/.exec(ctx.get('authorization'));
    const given = m ? createHash('sha256').update(m[1]!).digest() : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw unauthorized('AUTH.INVALID_API_KEY', '未授权：请提供有效的管理密钥');
    }
    await next();
  };
}

import type { Middleware } from 'koa';

/**
 * wx.request cannot send PATCH, so the mini-program sends `POST` with
 * `X-HTTP-Method-Override: PATCH`. Only POST → PATCH under the given prefix is honoured: a
 * header that turned a POST into DELETE or GET elsewhere would be a way around method-based
 * checks, not a convenience.
 */
export function patchOverride(prefix: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path.startsWith(prefix) && String(ctx.get('x-http-method-override')).toUpperCase() === 'PATCH') ctx.method = 'PATCH';
    return next();
  };
}

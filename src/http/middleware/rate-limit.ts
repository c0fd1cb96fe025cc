import type { Context, Next } from 'koa';
import type { WindowLimiter } from '../../domain/mp/mp-auth.ports.js';
import { enforceLimit, type LimitRule } from '../../domain/mp/rate-limits.js';
import { isAppError } from '../../shared/errors.js';

/**
 * Limits a route per client address (keyed by its hash: the address is personal data and
 * must not sit in Redis) and turns every MP.RATE_LIMITED raised below it, by this limit or by
 * a per-subject one in the service, into a 429 with Retry-After.
 */
export function limitPerIp(d: { limiter?: WindowLimiter; ipHash(ip: string): string }, name: string, rule: LimitRule) {
  return async (ctx: Context, next: Next) => {
    try {
      await enforceLimit(d.limiter, `mp:${name}:ip:${d.ipHash(ctx.ip)}`, rule);
      await next();
    } catch (e) {
      if (isAppError(e) && e.code === 'MP.RATE_LIMITED') ctx.set('Retry-After', String((e.details as { retryAfterSec: number }).retryAfterSec));
      throw e;
    }
  };
}

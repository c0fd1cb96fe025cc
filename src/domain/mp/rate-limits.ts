import { AppError } from '../../shared/errors.js';
import type { WindowLimiter } from './mp-auth.ports.js';

export interface LimitRule {
  limit: number;
  windowMs: number;
}

/**
 * Fixed windows on the mini-program's open endpoints. Per address: a store's staff share one
 * Wi-Fi, so these allow a whole team signing in at once and stop floods (each login costs a
 * call to WeChat). Per subject (the WeChat user, the refresh token): a real client asks a few
 * times at most, so these stop someone working on one account from many addresses.
 */
export const MP_LIMITS = {
  loginPerIp: { limit: 30, windowMs: 60_000 },
  bindPerIp: { limit: 20, windowMs: 60_000 },
  refreshPerIp: { limit: 30, windowMs: 60_000 },
  loginPerOpenid: { limit: 10, windowMs: 60_000 },
  bindPerOpenid: { limit: 5, windowMs: 10 * 60_000 },
  refreshPerToken: { limit: 5, windowMs: 60_000 },
} as const satisfies Record<string, LimitRule>;

/** 429 with the seconds until the window ends (the HTTP layer also sends them as Retry-After). */
export function rateLimited(retryAfterMs: number): AppError {
  return new AppError('MP.RATE_LIMITED', '操作过于频繁，请稍后再试', { status: 429, details: { retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / 1000)) } });
}

/** Counts one hit of `key` under `rule`; throws MP.RATE_LIMITED once the window is full. */
export async function enforceLimit(limiter: WindowLimiter | undefined, key: string, rule: LimitRule): Promise<void> {
  if (!limiter) return;
  const r = await limiter.take(key, rule.limit, rule.windowMs);
  if (!r.allowed) throw rateLimited(r.retryAfterMs);
}

import { E, fail } from './errors.js';
import { newId } from './ids.js';
import type { Route } from './route.js';

/** Access tokens and callback source IPs (doc §2.1, §1.9, contract §9.2 rows 1 and 16). */

export const TOKEN_TTL_SEC = 7200;

export const authRoutes: Route[] = [
  {
    method: 'GET',
    path: '/cgi-bin/gettoken',
    auth: false,
    handle(ctx) {
      const corpId = ctx.q.reqStr('corpid', E.MISSING_CORPID);
      const secret = ctx.q.reqStr('corpsecret', E.MISSING_SECRET);
      if (corpId !== ctx.config.corpId) fail(E.INVALID_CORPID);
      if (!ctx.config.secrets.includes(secret)) fail(E.INVALID_SECRET);
      const token = newId.accessToken();
      // Each call issues a fresh token and earlier ones stay valid until their own expiry:
      // whether WeCom repeats the token is unconfirmed (doc §2.1), so clients must not care.
      ctx.state.tokens.set(token, { token, corpId, secret, issuedAt: ctx.now, expiresAt: ctx.now + TOKEN_TTL_SEC * 1000 });
      return { access_token: token, expires_in: TOKEN_TTL_SEC };
    },
  },
  {
    method: 'GET',
    path: '/cgi-bin/getcallbackip',
    handle: () => ({ ip_list: ['127.0.0.1'] }),
  },
];

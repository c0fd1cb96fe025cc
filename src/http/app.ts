import Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { OriginOf } from './client-origin.js';
import { RESPONSE_HEADERS } from './security-headers.js';
import { errorBoundary } from './middleware/errors.js';
import { adminAuth } from './middleware/admin-auth.js';
import { patchOverride } from './middleware/method-override.js';
import { useChineseMessages } from './validation.js';

export interface HttpAppDeps {
  log: Logger;
  metrics: Metrics;
  adminApiKey: string;
  /** Who the client is (address, HTTPS): the one reader, shared with the node:http hot paths. */
  originOf: OriginOf;
  /** Routers open to the world (they authenticate themselves: callbacks by signature). */
  publicRoutes: Router[];
  /** Routers behind the admin API key. */
  adminRoutes: Router[];
}

export function createHttpApp(d: HttpAppDeps): Koa {
  useChineseMessages();
  // Not Koa's proxy mode: it believes X-Forwarded-* from any peer. ctx.ip is set from originOf.
  const app = new Koa({ proxy: false });
  // Errors are answered by the boundary; Koa's default handler would print stacks to stderr.
  app.silent = true;
  app.use((ctx, next) => {
    const o = d.originOf(ctx.req);
    ctx.request.ip = o.ip;
    ctx.state.https = o.https;
    ctx.set(RESPONSE_HEADERS);
    return next();
  });
  app.use(errorBoundary({ log: d.log, metrics: d.metrics }));
  app.use(patchOverride('/api/mp/'));
  for (const r of d.publicRoutes) app.use(r.routes()).use(r.allowedMethods());
  const auth = adminAuth(d.adminApiKey);
  for (const r of d.adminRoutes) {
    app.use(async (ctx, next) => {
      // Only guard the paths this router owns, so unknown paths still 404.
      if (r.match(ctx.path, ctx.method).path.length) return auth(ctx, next);
      return next();
    });
    app.use(r.routes()).use(r.allowedMethods());
  }
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { error: { code: 'NOT_FOUND', message: '接口不存在', requestId: ctx.state.requestId } };
  });
  return app;
}

import Router from '@koa/router';
import { z } from 'zod';
import type { AlertService } from '../../domain/alert/alert.service.js';
import { iso } from '../validation.js';

const query = z.object({ status: z.enum(['firing', 'resolved'], { error: '状态只能是 firing 或 resolved' }).optional() });

/** GET /api/alerts: every alert the in-process rules have raised, firing first (admin). */
export function alertRoutes(d: { alerts: AlertService }): Router {
  const r = new Router({ prefix: '/api' });
  r.get('/alerts', async (ctx) => {
    const q = query.parse(ctx.query);
    const items = await d.alerts.list(q.status);
    // Times as ISO 8601 like every other API (they were epoch milliseconds here).
    ctx.body = { items: items.map(({ version: _v, ...a }) => ({ ...a, firedAt: iso(a.firedAt), lastNotifiedAt: iso(a.lastNotifiedAt), resolvedAt: iso(a.resolvedAt), updatedAt: iso(a.updatedAt) })) };
  });
  return r;
}

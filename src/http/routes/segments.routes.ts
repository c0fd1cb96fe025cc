import Router from '@koa/router';
import { z } from 'zod';
import type { SegmentService } from '../../domain/segment/segment.service.js';

const id = z.coerce.number().int().positive();
const distributionQuery = z.object({ storeId: id.optional() });
const movementQuery = z.object({ from: id, to: id, storeId: id.optional() });
const liftQuery = z.union([
  z.object({ runId: id, conversionDays: id.max(90).default(14) }),
  // A time window in UTC ms, for lift across runs.
  z.object({ from: z.coerce.number().int().nonnegative(), to: z.coerce.number().int().positive(), conversionDays: id.max(90).default(14) }),
]);

/** RFM segment reports and reactivation lift (admin). */
export function segmentRoutes(d: { segments: SegmentService }): Router {
  const r = new Router({ prefix: '/api' });
  r.get('/segments', async (ctx) => {
    const q = distributionQuery.parse(ctx.query);
    ctx.body = { items: await d.segments.distribution(q.storeId) };
  });
  r.get('/segments/movement', async (ctx) => {
    const q = movementQuery.parse(ctx.query);
    ctx.body = await d.segments.movement({ fromRun: q.from, toRun: q.to, storeId: q.storeId });
  });
  r.get('/reactivation/lift', async (ctx) => {
    const q = liftQuery.parse(ctx.query);
    ctx.body = await d.segments.measureLift('runId' in q ? { runId: q.runId } : { from: q.from, to: q.to }, q.conversionDays);
  });
  return r;
}

import Router from '@koa/router';
import { z } from 'zod';
import { funnelCsv } from '../../domain/report/funnel.js';
import type { FunnelService } from '../../domain/report/funnel.service.js';
import { npsReport, type NpsRepo } from '../../domain/report/nps.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
const query = z.object({
  from: day,
  to: day,
  // "channel", or the label of a placement attribute such as 楼栋.
  groupBy: z.string().trim().min(1).max(30).default('channel'),
  storeId: z.coerce.number().int().positive().optional(),
  batchKey: z.string().max(64).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

const npsQuery = z.object({ from: day, to: day, storeId: z.coerce.number().int().positive().optional() });

/** The acquisition funnel per channel or per placement attribute (JSON or CSV), and NPS. */
export function funnelRoutes(d: { funnel: FunnelService; nps: NpsRepo }): Router {
  const r = new Router({ prefix: '/api' });
  r.get('/reports/nps', async (ctx) => {
    const q = npsQuery.parse(ctx.query);
    ctx.body = await npsReport(d.nps, { from: q.from, to: q.to, storeId: q.storeId ?? null });
  });
  r.get('/funnel', async (ctx) => {
    const q = query.parse(ctx.query);
    const report = await d.funnel.report({
      from: q.from,
      to: q.to,
      storeId: q.storeId,
      batchKey: q.batchKey,
      groupBy: q.groupBy === 'channel' ? { kind: 'channel' } : { kind: 'attribute', label: q.groupBy },
    });
    if (q.format === 'csv') {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.attachment(`funnel-${q.from}-${q.to}.csv`);
      ctx.body = funnelCsv(report.rows);
      return;
    }
    ctx.body = report;
  });
  return r;
}

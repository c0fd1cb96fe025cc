import Router from '@koa/router';
import { stepAudience } from '../../domain/customer/messaging-policy.js';
import type { Context } from 'koa';
import { Readable } from 'node:stream';
import type { CsvExport } from '../../domain/mp/csv-export.js';
import { z } from 'zod';
import type { Principal } from '../../domain/access/access.js';
import type { Journey, Step } from '../../domain/journey/journey.types.js';
import type { JourneyEffect } from '../../domain/mp/mp-reports.ports.js';
import type { MpReportService } from '../../domain/mp/mp-reports.service.js';
import { readJson } from '../body.js';
import { mpAuth, principalOf } from '../middleware/mp-auth.js';
import { iso, parseId, printableText } from '../validation.js';
import { customerQuery } from './mp.routes.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
const id = z.coerce.number().int().positive();
const periodQuery = z.object({ from: day.optional(), to: day.optional(), storeId: id.optional() });
// "channel", or the label of a placement attribute such as 楼栋.
const funnelQuery = periodQuery.extend({ groupBy: printableText(30).default('channel') });
const reactivationQuery = periodQuery.extend({ runId: id.optional() });
const rfmQuery = z.object({ storeId: id.optional() });
const customersExportQuery = customerQuery.omit({ limit: true, offset: true, cursor: true });
const ordersExportQuery = z.object({ customerId: id.optional(), from: day.optional(), to: day.optional() });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) });
const stepEdit = z
  .object({
    id: z.number().int().min(0).max(49),
    delayMinutes: z.number().int().min(0).max(527_040).optional(),
    templateText: z.string().trim().min(1).max(1000).optional(),
  })
  .strict()
  .refine((s) => s.delayMinutes !== undefined || s.templateText !== undefined, '请填写要修改的时长或文案');
const editBody = z.object({ steps: z.array(stepEdit).min(1).max(50) }).strict();

const presentStep = (s: Step, id: number) => {
  switch (s.type) {
    case 'wait': {
      const minutes = (s.minutes ?? 0) + (s.days ?? 0) * 1440;
      return { id, kind: 'wait', delay: minutes, delayMinutes: minutes, at: s.at ?? null, editable: ['delayMinutes'] };
    }
    case 'send':
      return { id, kind: 'send', templateText: s.text, marketing: s.marketing ?? true, coupon: !!s.coupon, editable: ['templateText'] };
    case 'ask':
      return { id, kind: 'ask', question: s.question, editable: [] };
    case 'task':
      return { id, kind: 'task', title: s.title, dueDays: s.dueDays ?? 0, editable: [] };
    case 'tag':
      return { id, kind: 'tag', add: s.add ?? [], remove: s.remove ?? [], editable: [] };
    case 'branch':
      return { id, kind: 'branch', if: s.if, then: s.then, else: s.else, editable: [] };
  }
};

const presentJourney = ({ journey: j, stats, canEdit }: { journey: Journey; stats: JourneyEffect; canEdit: boolean }) => ({
  id: j.id,
  key: j.key,
  name: j.name,
  storeId: j.storeId,
  trigger: { type: j.trigger, ...(j.triggerArg ? { arg: j.triggerArg } : {}) },
  enabled: j.enabled,
  goal: j.goal,
  reentry: j.reentry,
  reentryDays: j.reentryDays,
  steps: j.steps.map((s, i) => ({ ...presentStep(s, i), ...stepAudience(j.trigger, s) })),
  stats: { entered: stats.entered, sent: stats.sent, delivered: stats.delivered, replied: stats.replied, converted: stats.converted, skipped: stats.skipped },
  canEdit,
  updatedAt: iso(j.updatedAt),
});

/** The export streams: rows go from the database to the socket a batch at a time (backpressure included). */
const sendCsv = (ctx: Context, out: CsvExport) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Export-Rows', String(out.rows));
  ctx.set('X-Total-Count', String(out.total));
  ctx.set('X-Export-Truncated', out.truncated ? '1' : '0');
  ctx.attachment(out.filename);
  ctx.type = 'text/csv; charset=utf-8';
  ctx.body = Readable.from(out.body);
};

/**
 * The reports part of the mini-program API: journeys (with their numbers, enable/disable,
 * delay and text edits), reports, CSV exports and the audit log. Scoping rules are in
 * MpReportService; everything authenticates with the mini-program's access token.
 */
export function mpReportRoutes(d: { auth: { authenticate(token: string): Promise<Principal> }; reports: MpReportService; ipHash(ip: string): string }): Router {
  const r = new Router({ prefix: '/api/mp' });
  const authed = mpAuth(d.auth);
  const journeyId = (ctx: Context) => parseId(ctx.params.id, 'MP.INVALID_ID', '旅程');

  r.get('/journeys', authed, async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const all = await d.reports.listJourneys(principalOf(ctx));
    ctx.body = { items: all.slice(q.offset, q.offset + q.limit).map(presentJourney), total: all.length, limit: q.limit, offset: q.offset };
  });

  r.get('/journeys/:id', authed, async (ctx) => {
    ctx.body = presentJourney(await d.reports.journey(principalOf(ctx), journeyId(ctx)));
  });

  r.patch('/journeys/:id', authed, async (ctx) => {
    const id = journeyId(ctx);
    const body = editBody.parse(await readJson(ctx));
    ctx.body = presentJourney(await d.reports.editSteps(principalOf(ctx), id, body.steps));
  });

  for (const [path, enabled] of [['enable', true], ['disable', false]] as const) {
    r.post(`/journeys/:id/${path}`, authed, async (ctx) => {
      ctx.body = presentJourney(await d.reports.setEnabled(principalOf(ctx), journeyId(ctx), enabled));
    });
  }

  r.get('/reports/funnel', authed, async (ctx) => {
    ctx.body = await d.reports.funnel(principalOf(ctx), funnelQuery.parse(ctx.query));
  });
  r.get('/reports/journeys', authed, async (ctx) => {
    ctx.body = await d.reports.journeyReport(principalOf(ctx), periodQuery.parse(ctx.query));
  });
  r.get('/reports/reactivation', authed, async (ctx) => {
    ctx.body = await d.reports.reactivation(principalOf(ctx), reactivationQuery.parse(ctx.query));
  });
  r.get('/reports/nps', authed, async (ctx) => {
    ctx.body = await d.reports.nps(principalOf(ctx), periodQuery.parse(ctx.query));
  });
  r.get('/reports/rfm', authed, async (ctx) => {
    const out = await d.reports.rfm(principalOf(ctx), rfmQuery.parse(ctx.query));
    ctx.body = { ...out, asOf: iso(out.asOf) };
  });
  r.get('/reports/ltv', authed, async (ctx) => {
    ctx.body = await d.reports.ltv(principalOf(ctx), periodQuery.parse(ctx.query));
  });

  r.get('/export/customers.csv', authed, async (ctx) => {
    const f = customersExportQuery.parse(ctx.query);
    sendCsv(ctx, await d.reports.exportCustomers(principalOf(ctx), f, d.ipHash(ctx.ip)));
  });
  r.get('/export/orders.csv', authed, async (ctx) => {
    const f = ordersExportQuery.parse(ctx.query);
    sendCsv(ctx, await d.reports.exportOrders(principalOf(ctx), f, d.ipHash(ctx.ip)));
  });

  r.get('/audit-log', authed, async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const { items, total } = await d.reports.auditLog(principalOf(ctx), q);
    ctx.body = { items: items.map((a) => ({ ...a, at: iso(a.at) })), total, limit: q.limit, offset: q.offset };
  });

  return r;
}

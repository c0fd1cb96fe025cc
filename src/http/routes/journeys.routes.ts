import Router from '@koa/router';
import { stepAudience } from '../../domain/customer/messaging-policy.js';
import { z } from 'zod';
import type { JourneyService } from '../../domain/journey/journey.service.js';
import type { Journey } from '../../domain/journey/journey.types.js';
import { readJson } from '../body.js';
import { iso, parseId, printableText } from '../validation.js';

const target = z.union([z.literal('end'), z.number().int().min(0)]);
const condition = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('always') }).strict(),
  z.object({ kind: z.literal('bought_again') }).strict(),
  z.object({ kind: z.literal('replied') }).strict(),
  z.object({ kind: z.literal('has_tag'), tag: printableText(64) }).strict(),
  z.object({ kind: z.literal('segment_in'), segments: z.array(printableText(32)).min(1).max(10) }).strict(),
]);
const step = z.discriminatedUnion('type', [
  z.object({ type: z.literal('wait'), minutes: z.number().int().min(0).max(527_040).optional(), days: z.number().int().min(0).max(366).optional(), at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间点格式应为 HH:MM').optional() }).strict(),
  z.object({ type: z.literal('send'), text: z.string().trim().min(1).max(1000), marketing: z.boolean().optional(), coupon: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('ask'), question: z.enum(['nps', 'birthday']) }).strict(),
  z.object({ type: z.literal('task'), title: printableText(200), dueDays: z.number().int().min(0).max(90).optional(), coupon: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('tag'), add: z.array(printableText(32)).max(10).optional(), remove: z.array(printableText(32)).max(10).optional() }).strict(),
  z.object({ type: z.literal('branch'), if: condition, then: target, else: target }).strict(),
]);
const fields = {
  storeId: z.number().int().positive().nullable(),
  name: printableText(64),
  trigger: z.enum(['order_paid', 'contact_added', 'tag_added', 'segment_entered', 'dormant', 'contact_lost']),
  triggerArg: printableText(64).nullable(),
  steps: z.array(step).min(1).max(50),
  goal: z.object({ kind: z.literal('order_paid'), windowDays: z.number().int().min(1).max(365) }).strict().nullable(),
  reentry: z.enum(['once', 'always', 'after_days']),
  reentryDays: z.number().int().min(1).max(3650).nullable(),
  enabled: z.boolean(),
};
const createBody = z
  .object({ ...fields, storeId: fields.storeId.default(null), triggerArg: fields.triggerArg.default(null), goal: fields.goal.default(null), reentry: fields.reentry.default('always'), reentryDays: fields.reentryDays.default(null), enabled: fields.enabled.default(true) })
  .strict();
const editBody = z.object(fields).partial().strict().refine((o) => Object.keys(o).length > 0, '请至少修改一项');

// Every step says whether a person who opted out still gets it (messaging-policy.ts decides).
const present = (j: Journey) => ({ ...j, steps: j.steps.map((s) => ({ ...s, ...stepAudience(j.trigger, s) })), createdAt: iso(j.createdAt), updatedAt: iso(j.updatedAt) });

export function journeyRoutes(d: { journeys: JourneyService; stats(journeyId: number): Promise<Record<string, number>> }): Router {
  const r = new Router({ prefix: '/api/journeys' });
  r.get('/', async (ctx) => {
    ctx.body = { items: (await d.journeys.list()).map(present) };
  });
  r.get('/:id', async (ctx) => {
    const j = await d.journeys.get(parseId(ctx.params.id, 'JOURNEY.INVALID_ID', '旅程'));
    ctx.body = { ...present(j), stats: await d.stats(j.id) };
  });
  r.post('/', async (ctx) => {
    ctx.status = 201;
    ctx.body = present(await d.journeys.create(createBody.parse(await readJson(ctx))));
  });
  r.patch('/:id', async (ctx) => {
    const id = parseId(ctx.params.id, 'JOURNEY.INVALID_ID', '旅程');
    ctx.body = present(await d.journeys.edit(id, editBody.parse(await readJson(ctx))));
  });
  for (const [path, enabled] of [['enable', true], ['disable', false]] as const) {
    r.post(`/:id/${path}`, async (ctx) => {
      ctx.body = present(await d.journeys.edit(parseId(ctx.params.id, 'JOURNEY.INVALID_ID', '旅程'), { enabled }));
    });
  }
  return r;
}

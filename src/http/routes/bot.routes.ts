import Router from '@koa/router';
import { z } from 'zod';
import type { BotRuleService } from '../../domain/conversation/rules.js';
import { MATCH_KINDS, RULE_ACTIONS, RULE_SCOPES } from '../../domain/conversation/rules.types.js';
import type { ReplyTexts } from '../../domain/conversation/reply-texts.js';
import { readJson } from '../body.js';
import { parseId } from '../validation.js';

const storeId = z.number().int().positive();
// The rule's other limits (pattern, reply, actionArg, regex safety) are the domain's: ruleProblem.
const ruleFields = {
  storeId: storeId.nullable(),
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), '规则名称不能包含控制字符'),
  scope: z.enum(RULE_SCOPES),
  matchKind: z.enum(MATCH_KINDS),
  pattern: z.string().min(1).max(255),
  priority: z.number().int().min(-10_000).max(10_000),
  action: z.enum(RULE_ACTIONS),
  actionArg: z.string().max(32).nullable(),
  reply: z.string().min(1).max(1000),
  cooldownSec: z.number().int().min(0).max(7 * 86_400),
  enabled: z.boolean(),
};

const createRuleBody = z
  .object({
    ...ruleFields,
    storeId: ruleFields.storeId.default(null),
    priority: ruleFields.priority.default(0),
    action: ruleFields.action.default('reply'),
    actionArg: ruleFields.actionArg.default(null),
    cooldownSec: ruleFields.cooldownSec.default(0),
    enabled: ruleFields.enabled.default(true),
  })
  .strict();

const editRuleBody = z
  .object(ruleFields)
  .partial()
  .strict()
  .refine((o) => Object.keys(o).length > 0, '请至少修改一项');

// ?storeId=N: that store's own rules; ?storeId=0: the global rules; none: every rule.
const ruleQuery = z.object({ storeId: z.coerce.number().int().min(0).optional() });
// Templates: no storeId (or 0) means the texts of every store.
const templateQuery = z.object({ storeId: z.coerce.number().int().min(0).optional() });
const templateBody = z.object({ storeId: z.number().int().min(0).optional(), text: z.string() }).strict();

const storeOrGlobal = (id: number | undefined) => (id ? id : null);

/** Admin API for the bot's keyword rules and system texts. */
export function botRoutes(d: { rules: BotRuleService; templates: ReplyTexts }): Router {
  const r = new Router({ prefix: '/api/bot' });

  r.get('/rules', async (ctx) => {
    const q = ruleQuery.parse(ctx.query);
    const items = await d.rules.list({ storeId: q.storeId === undefined ? undefined : storeOrGlobal(q.storeId) });
    ctx.body = { items: items, total: items.length };
  });

  r.post('/rules', async (ctx) => {
    const rule = await d.rules.create(createRuleBody.parse(await readJson(ctx)));
    ctx.status = 201;
    ctx.body = rule;
  });

  r.get('/rules/:id', async (ctx) => {
    ctx.body = await d.rules.get(parseId(ctx.params.id, 'BOT.INVALID_RULE_ID', '规则'));
  });

  r.patch('/rules/:id', async (ctx) => {
    const id = parseId(ctx.params.id, 'BOT.INVALID_RULE_ID', '规则');
    ctx.body = await d.rules.edit(id, editRuleBody.parse(await readJson(ctx)));
  });

  r.delete('/rules/:id', async (ctx) => {
    await d.rules.remove(parseId(ctx.params.id, 'BOT.INVALID_RULE_ID', '规则'));
    ctx.status = 204;
  });

  r.get('/templates', async (ctx) => {
    const q = templateQuery.parse(ctx.query);
    const items = await d.templates.list(storeOrGlobal(q.storeId));
    ctx.body = { storeId: storeOrGlobal(q.storeId), items };
  });

  r.put('/templates/:key', async (ctx) => {
    const body = templateBody.parse(await readJson(ctx));
    ctx.body = await d.templates.setOverride(ctx.params.key!, storeOrGlobal(body.storeId), body.text);
  });

  r.delete('/templates/:key', async (ctx) => {
    const q = templateQuery.parse(ctx.query);
    ctx.body = await d.templates.resetOverride(ctx.params.key!, storeOrGlobal(q.storeId));
  });

  return r;
}

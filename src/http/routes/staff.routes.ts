import Router from '@koa/router';
import { z } from 'zod';
import type { StaffService } from '../../domain/staff/staff.service.js';
import { readJson } from '../body.js';
import { printableText } from '../validation.js';

const staffBody = z
  .object({
    wecomUserId: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, '企业微信账号只能包含字母、数字和 _.@-，最长 64 位'),
    name: printableText(32),
    storeId: z.number().int().positive().nullable().default(null),
    role: z.enum(['hq_admin', 'store_manager', 'rep']).default('rep'),
    active: z.boolean().default(true),
    botContactId: printableText(128).nullable().default(null),
  })
  .strict();

export function staffRoutes(d: { staff: StaffService }): Router {
  const r = new Router({ prefix: '/api/staff' });
  // Creates or updates by WeCom userid (PUT semantics on a natural key).
  r.post('/', async (ctx) => {
    ctx.body = await d.staff.save(staffBody.parse(await readJson(ctx)));
  });
  r.get('/', async (ctx) => {
    const storeId = ctx.query.storeId === undefined ? undefined : z.coerce.number().int().positive().parse(ctx.query.storeId);
    ctx.body = { items: await d.staff.list({ storeId }) };
  });
  return r;
}

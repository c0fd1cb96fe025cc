import Router from '@koa/router';
import { z } from 'zod';
import type { Store, StoreService } from '../../domain/store/store.service.js';
import { readJson } from '../body.js';
import { iso, parseId, printableText } from '../validation.js';

const hm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM（00:00–23:59）');
const fields = {
  code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '门店编码只能包含字母、数字、_ 和 -，最长 32 位'),
  name: printableText(64),
  // null: the configured quiet hours (JOURNEY_QUIET_FROM / JOURNEY_QUIET_TO) apply.
  quietHours: z
    .object({ from: hm, to: hm })
    .strict()
    .refine((q) => q.from !== q.to, '免打扰开始和结束时间不能相同')
    .nullable(),
  // null: the configured DORMANT_DAYS applies.
  dormantDays: z.number({ error: '沉睡天数应为 7 到 365 之间的整数' }).int('沉睡天数应为 7 到 365 之间的整数').min(7, '沉睡天数不能少于 7 天').max(365, '沉睡天数不能超过 365 天').nullable(),
};
const createBody = z.object({ ...fields, quietHours: fields.quietHours.default(null), dormantDays: fields.dormantDays.default(null) }).strict();
const editBody = z.object(fields).partial().strict().refine((o) => Object.keys(o).length > 0, '请至少修改一项');

const present = (s: Store) => ({ ...s, createdAt: iso(s.createdAt) });

/** Stores and their own settings (admin key). */
export function storeRoutes(d: { stores: StoreService }): Router {
  const r = new Router({ prefix: '/api/stores' });
  r.post('/', async (ctx) => {
    ctx.status = 201;
    ctx.body = present(await d.stores.create(createBody.parse(await readJson(ctx))));
  });
  r.get('/', async (ctx) => {
    ctx.body = { items: (await d.stores.list()).map(present) };
  });
  r.get('/:id', async (ctx) => {
    ctx.body = present(await d.stores.get(parseId(ctx.params.id, 'STORE.INVALID_ID', '门店')));
  });
  r.patch('/:id', async (ctx) => {
    const id = parseId(ctx.params.id, 'STORE.INVALID_ID', '门店');
    ctx.body = present(await d.stores.update(id, editBody.parse(await readJson(ctx))));
  });
  return r;
}

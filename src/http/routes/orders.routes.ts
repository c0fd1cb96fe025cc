import Router from '@koa/router';
import { z } from 'zod';
import type { OrderService } from '../../domain/order/order.service.js';
import type { Order, OrderSource } from '../../domain/order/order.types.js';
import { normalizeCnMobile } from '../../shared/pii.js';
import { AppError } from '../../shared/errors.js';
import { readJson, readText } from '../body.js';
import { iso, pageQuery, printableText } from '../validation.js';

// ISO 8601 with an offset (e.g. 2026-12-01T09:00:00+08:00), stored as UTC ms.
export const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const orderNo = z.string().trim().regex(/^[A-Za-z0-9_\-.:]{1,64}$/, '订单号只能包含字母、数字和 _-.:，最多 64 位');
// Up to ¥100,000,000 per order.
export const amountFen = z.number().int().positive().max(10_000_000_000);

export const orderItems = z
  .array(z.object({ sku: printableText(64), name: printableText(128), qty: z.number().int().min(1).max(100_000), priceFen: z.number().int().min(0).max(10_000_000_000) }).strict())
  .max(200);

/** What a mall or POS pushes to POST /api/integrations/orders. */
export const integrationOrderBody = z
  .object({
    orderNo,
    amountFen,
    paidAt: instant,
    storeId: z.number().int().positive().optional(),
    customer: z
      .object({
        phone: z
          .string()
          .transform((s) => normalizeCnMobile(s) ?? '')
          .refine((s) => s !== '', '手机号格式不正确')
          .optional(),
        externalUserId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, '外部联系人 ID 格式不正确').optional(),
        unionid: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'unionid 格式不正确').optional(),
        // The buyer's openid in the mall's mini-program, so their later WeChat Pay payments find them.
        mpOpenid: z
          .object({
            appid: z.string().trim().regex(/^wx[A-Za-z0-9]{16}$/, '小程序 appid 格式不正确'),
            openid: z.string().trim().regex(/^[A-Za-z0-9_-]{1,128}$/, 'openid 格式不正确'),
          })
          .strict()
          .optional(),
        name: printableText(64).optional(),
      })
      .strict()
      .refine((c) => c.phone || c.externalUserId || c.unionid || c.mpOpenid, '请至少提供一种客户身份：phone、externalUserId、unionid 或 mpOpenid'),
    items: orderItems.optional(),
  })
  .strict();

const operatorBody = z
  .object({
    customerId: z.number().int().positive(),
    orderNo: orderNo.optional(),
    amountFen,
    paidAt: instant.optional(),
    storeId: z.number().int().positive().optional(),
    items: orderItems.optional(),
  })
  .strict();

const listQuery = pageQuery.extend({
  cursor: z.string().min(1).max(200).optional(),
  customerId: z.coerce.number().int().positive().optional(),
  storeId: z.coerce.number().int().positive().optional(),
  from: instant.optional(),
  to: instant.optional(),
});

const sourceBody = z
  .object({
    key: z.string().regex(/^[a-z0-9_-]{2,32}$/, '来源标识只能包含小写字母、数字、下划线和横线（2 到 32 位）'),
    name: printableText(64),
    storeId: z.number().int().positive().optional(),
  })
  .strict();

const sourcePatch = z
  .object({ name: printableText(64).optional(), active: z.boolean().optional() })
  .strict()
  .refine((o) => Object.keys(o).length > 0, '请至少修改一项');

export const presentOrder = (o: Order) => ({ ...o, paidAt: iso(o.paidAt), createdAt: iso(o.createdAt) });
const presentSource = (s: OrderSource) => ({ key: s.key, name: s.name, storeId: s.storeId, active: s.active, createdAt: iso(s.createdAt) });

const CSV_LIMIT_BYTES = 5 * 1024 * 1024;

/** Admin API: operator-entered orders, the order list, CSV imports and the mall/POS sources. */
export function orderRoutes(d: { orders: OrderService }): Router {
  const r = new Router();

  r.post('/api/orders', async (ctx) => {
    const { order, created } = await d.orders.recordByOperator(operatorBody.parse(await readJson(ctx)));
    ctx.status = created ? 201 : 200;
    ctx.body = { created, order: presentOrder(order) };
  });

  r.get('/api/orders', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const { items, total, totalCapped, nextCursor } = await d.orders.list(q);
    ctx.body = { items: items.map(presentOrder), total, totalCapped, limit: q.limit, offset: q.offset, nextCursor };
  });

  // Historical orders from a spreadsheet; without dryRun=false nothing is written.
  r.post('/api/orders/import', async (ctx) => {
    const { dryRun } = z.object({ dryRun: z.enum(['true', 'false']).default('true') }).parse(ctx.query);
    if (!/csv|text\/plain/i.test(ctx.get('content-type'))) throw new AppError('REQUEST.UNSUPPORTED_TYPE', '请上传 CSV 文件（Content-Type: text/csv）', { status: 415 });
    const text = await readText(ctx, CSV_LIMIT_BYTES);
    ctx.body = await d.orders.importCsv(text, { dryRun: dryRun === 'true' });
  });

  r.post('/api/order-sources', async (ctx) => {
    const { source, secret } = await d.orders.createSource(sourceBody.parse(await readJson(ctx)));
    ctx.status = 201;
    // The only time the secret is shown.
    ctx.body = { ...presentSource(source), secret };
  });

  r.get('/api/order-sources', async (ctx) => {
    ctx.body = { items: (await d.orders.listSources()).map(presentSource) };
  });

  r.patch('/api/order-sources/:key', async (ctx) => {
    ctx.body = presentSource(await d.orders.updateSource(ctx.params.key!, sourcePatch.parse(await readJson(ctx))));
  });

  return r;
}

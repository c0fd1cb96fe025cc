import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Principal } from '../../domain/access/access.js';
import { BATCH_LIMITS } from '../../domain/channel/placement-matrix.js';
import type { Channel } from '../../domain/channel/channel.types.js';
import type { MpOperationsService, MpChannel } from '../../domain/mp/mp-operations.service.js';
import type { MpOrder } from '../../domain/mp/mp-operations.ports.js';
import type { MpService } from '../../domain/mp/mp.service.js';
import { BEHAVIOUR_GROUP, MANUAL_TAG_GROUP, parseTagText } from '../../domain/tag/tag.types.js';
import { parseQrOptions, qrCacheKey, QrOptionsError, renderPosterPng, renderQr, type RenderCache } from '../../integrations/qr/index.js';
import type { Logger } from '../../shared/logger.js';
import { readJson } from '../body.js';
import { mpAuth, principalOf } from '../middleware/mp-auth.js';
import { iso, parseId, printableText } from '../validation.js';
import { channelPoster, sendRendered } from './channel-qr.routes.js';
import { createChannelBody } from './channels.routes.js';
import { cursorParam, mpPageQuery, presentCustomerDetail } from './mp.routes.js';
import { amountFen, instant } from './orders.routes.js';

const page = mpPageQuery;
const storeQuery = z.object({ storeId: z.coerce.number().int().positive().optional() });
const channelQuery = page.extend({ status: z.enum(['active', 'paused']).optional(), q: printableText(30).optional(), storeId: z.coerce.number().int().positive().optional() });
const orderQuery = page.extend({ cursor: cursorParam, customerId: z.coerce.number().int().positive().optional(), storeId: z.coerce.number().int().positive().optional() });

/** `组:名` or a bare name (for adding: the 客户标签 group), or {group, name}. WeCom allows 30 characters each. */
const tagText = printableText(61).transform((s) => parseTagText(s));
const tagRef = z.object({ group: printableText(30), name: printableText(30) }).strict();
const addTag = z.union([tagText, tagRef]).transform((t) => ({ group: 'group' in t ? t.group : MANUAL_TAG_GROUP, name: t.name })).pipe(tagRef);
// Removal names the tag: its id (what the detail answers carry), or 组:名 / {group, name}; a bare name only when unambiguous.
const removeTag = z.union([z.object({ id: z.number().int().positive() }).strict(), z.union([tagText, tagRef]).pipe(z.object({ group: printableText(30).optional(), name: printableText(30) }))]);
// Notes keep line breaks; other control characters are refused.
const note = z.string().trim().min(1).max(500).refine((s) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(s), '不能包含控制字符');

const customerPatch = z
  .object({
    tags: z
      .object({ add: z.array(addTag).max(20).optional(), remove: z.array(removeTag).max(20).optional() })
      .strict()
      .refine((t) => (t.add?.length ?? 0) + (t.remove?.length ?? 0) > 0, '请至少添加或移除一个标签')
      .refine((t) => !(t.add ?? []).some((a) => a.group === BEHAVIOUR_GROUP), '行为标签由系统维护，不能手动添加')
      .optional(),
    note: note.optional(),
  })
  .strict()
  .refine((o) => o.tags !== undefined || o.note !== undefined, '请至少修改一项');

const batchBody = createChannelBody
  .pick({ kind: true, storeId: true, staffUserIds: true, welcomeText: true, tags: true })
  .extend({
    prefix: printableText(20).refine((s) => !/[{}]/.test(s), '名称前缀不能包含花括号'),
    dimensions: z
      .array(
        z
          .object({
            label: printableText(BATCH_LIMITS.labelChars).refine((s) => !/[{}]/.test(s), '维度名称不能包含花括号'),
            values: z
              .array(printableText(BATCH_LIMITS.valueChars))
              .min(1, '每个投放维度至少需要 1 个取值')
              .max(BATCH_LIMITS.valuesPerDimension, `每个投放维度最多 ${BATCH_LIMITS.valuesPerDimension} 个取值`)
              .refine((a) => new Set(a).size === a.length, '同一维度的取值不能重复'),
          })
          .strict(),
      )
      .min(1, '请至少设置一个投放维度')
      .max(BATCH_LIMITS.dimensions, `投放维度最多 ${BATCH_LIMITS.dimensions} 个`)
      .refine((a) => new Set(a.map((x) => x.label)).size === a.length, '维度名称不能重复'),
  })
  .strict();

const orderBody = z
  .object({
    customerId: z.number().int().positive(),
    amountFen,
    paidAt: instant.optional(),
    items: z
      .array(z.object({ sku: printableText(64).optional(), name: printableText(128), qty: z.number().int().min(1).max(100_000), priceFen: z.number().int().min(0).max(10_000_000_000) }).strict())
      .max(200)
      .optional(),
    note: note.optional(),
  })
  .strict();

const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key 须为 1 到 128 个可见 ASCII 字符')
  .optional();
const posterQuery = z.object({ size: z.coerce.number().int().default(1024) });

export interface MpOperationsDeps {
  auth: { authenticate(token: string): Promise<Principal> };
  core: MpOperationsService;
  mp: MpService;
  renders: RenderCache;
  /** Where a poster drawn without text (fonts or rasteriser unavailable) is reported. */
  log?: Pick<Logger, 'warn'>;
  /** Where the landing page is reachable from a phone, e.g. https://siyu.example.com */
  /** Where phones reach this server (read per request: without PUBLIC_BASE_URL it is known only after listen). */
  publicBaseUrl: () => string;
}

/** PNG sizes stay on a 64 px grid so renders are few and cacheable (as for the admin QR). */
const PNG_STEP = 64;

/**
 * The mini-program's dashboard, stores, channels (with QR and poster images for the album),
 * customer edits and orders. Every handler parses, calls MpOperationsService (which scopes by the
 * caller) and presents.
 */
export function mpOperationsRoutes(d: MpOperationsDeps): Router {
  const r = new Router({ prefix: '/api/mp' });
  const authed = mpAuth(d.auth);
  const landingUrl = (c: Channel) => `${d.publicBaseUrl().replace(/\/$/, '')}/s/${c.code}`;
  const channelId = (ctx: Context) => parseId(ctx.params.id, 'MP.INVALID_ID', '渠道');

  const presentChannel = (c: MpChannel) => ({
    id: c.id,
    code: c.code,
    name: c.name,
    kind: c.kind,
    storeId: c.storeId,
    status: c.status,
    attributes: c.attributes,
    staffUserIds: c.staffUserIds,
    funnel: c.funnel,
    landingUrl: landingUrl(c),
    qrPngUrl: `/api/mp/channels/${c.id}/qr.png`,
    posterUrl: `/api/mp/channels/${c.id}/poster.png`,
    offer: c.offer,
    batchKey: c.batchKey,
    syncState: c.syncState,
    createdAt: iso(c.createdAt),
  });
  const presentChannelDetail = (c: MpChannel) => ({ ...presentChannel(c), welcomeText: c.welcomeText, tags: c.tags });


  r.get('/stores', authed, async (ctx) => {
    const q = page.parse(ctx.query);
    const { items, total } = await d.core.stores(principalOf(ctx), q);
    ctx.body = { items, total, limit: q.limit, offset: q.offset };
  });

  r.get('/dashboard', authed, async (ctx) => {
    ctx.body = await d.core.dashboard(principalOf(ctx), storeQuery.parse(ctx.query).storeId);
  });

  r.patch('/customers/:id', authed, async (ctx) => {
    const id = parseId(ctx.params.id, 'MP.INVALID_ID', '客户');
    const body = customerPatch.parse(await readJson(ctx));
    const p = principalOf(ctx);
    await d.core.editCustomer(p, id, body);
    ctx.body = presentCustomerDetail(await d.mp.customer(p, id));
  });

  r.get('/channels', authed, async (ctx) => {
    const q = channelQuery.parse(ctx.query);
    const { items, total } = await d.core.listChannels(principalOf(ctx), q);
    ctx.body = { items: items.map(presentChannel), total, limit: q.limit, offset: q.offset };
  });

  r.post('/channels', authed, async (ctx) => {
    const c = await d.core.createChannel(principalOf(ctx), createChannelBody.parse(await readJson(ctx)));
    // 202: saved, but WeCom has not confirmed the contact way yet (retried in the background).
    ctx.status = c.syncState === 'synced' ? 201 : 202;
    ctx.body = presentChannelDetail(c);
  });

  r.post('/channels/batch', authed, async (ctx) => {
    const key = idempotencyKey.parse(ctx.get('idempotency-key') || undefined);
    const { prefix, dimensions, ...template } = batchBody.parse(await readJson(ctx));
    const out = await d.core.createBatch(principalOf(ctx), { prefix, dimensions, template }, key);
    ctx.status = out.created > 0 ? 201 : 200;
    ctx.body = { batchId: out.batchId, created: out.created, existing: out.existing, items: out.items.map(presentChannel) };
  });

  r.get('/channels/:id', authed, async (ctx) => {
    ctx.body = presentChannelDetail(await d.core.channel(principalOf(ctx), channelId(ctx)));
  });

  r.post('/channels/:id/pause', authed, async (ctx) => {
    ctx.body = presentChannelDetail(await d.core.setChannelStatus(principalOf(ctx), channelId(ctx), 'paused'));
  });

  r.post('/channels/:id/resume', authed, async (ctx) => {
    ctx.body = presentChannelDetail(await d.core.setChannelStatus(principalOf(ctx), channelId(ctx), 'active'));
  });

  r.get('/channels/:id/qr.png', authed, async (ctx) => {
    const c = await d.core.visibleChannel(principalOf(ctx), channelId(ctx));
    const opts = parseQrOptions({ ...ctx.query, format: 'png' });
    if (opts.size % PNG_STEP !== 0) throw new QrOptionsError('size', `图片尺寸需为 ${PNG_STEP} 的倍数`);
    const url = landingUrl(c);
    const { bytes, etag } = await d.renders.getOrRender(`${c.id}:${c.updatedAt}:${qrCacheKey(url, opts)}`, () => renderQr(url, opts));
    sendRendered(ctx, bytes, etag, 'image/png');
  });

  r.get('/channels/:id/poster.png', authed, async (ctx) => {
    const c = await d.core.visibleChannel(principalOf(ctx), channelId(ctx));
    const { size } = posterQuery.parse(ctx.query);
    const url = landingUrl(c);
    const { bytes, etag } = await d.renders.getOrRender(`posterpng:${c.id}:${c.updatedAt}:${size}:${url}`, () =>
      renderPosterPng(channelPoster(c, url), size, { log: d.log }),
    );
    sendRendered(ctx, bytes, etag, 'image/png');
  });

  r.get('/orders', authed, async (ctx) => {
    const q = orderQuery.parse(ctx.query);
    const { items, total, totalCapped, nextCursor } = await d.core.listOrders(principalOf(ctx), q);
    ctx.body = { items: items.map(presentOrder), total, totalCapped, limit: q.limit, offset: q.offset, nextCursor };
  });

  r.post('/orders', authed, async (ctx) => {
    const key = idempotencyKey.parse(ctx.get('idempotency-key') || undefined);
    const body = orderBody.parse(await readJson(ctx));
    const items = body.items?.map((i) => ({ ...i, sku: i.sku ?? '' }));
    const { order, created } = await d.core.recordOrder(principalOf(ctx), { ...body, items }, key);
    ctx.status = created ? 201 : 200;
    ctx.body = { ...presentOrder(order), created };
  });

  return r;
}

const presentOrder = (o: MpOrder) => ({
  id: o.id,
  orderNo: o.orderNo,
  source: o.source,
  customerId: o.customerId,
  customerName: o.customerName,
  storeId: o.storeId,
  amountFen: o.amountFen,
  paidAt: iso(o.paidAt),
  status: o.status,
  channelId: o.channelId,
  items: o.items,
  createdAt: iso(o.createdAt),
});

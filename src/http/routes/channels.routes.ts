import Router from '@koa/router';
import { z } from 'zod';
import type { ChannelService } from '../../domain/channel/channel.service.js';
import { BATCH_LIMITS } from '../../domain/channel/placement-matrix.js';
import { CHANNEL_KINDS, type Channel } from '../../domain/channel/channel.types.js';
import { DEFAULT_ATTRIBUTE_GROUP, tagRefOf } from '../../domain/tag/tag.types.js';
import { readJson } from '../body.js';
import { iso, pageQuery, parseId, printableText } from '../validation.js';

// WeCom's tag and remark limits are 30 characters.
const text = printableText;

const tagInput = z.union([
  text(61).transform((s) => tagRefOf(s, DEFAULT_ATTRIBUTE_GROUP)),
  z.object({ group: text(30), name: text(30) }),
]).pipe(z.object({ group: text(30), name: text(30) }));

const attributes = z
  .record(text(30), text(30))
  .refine((o) => Object.keys(o).length <= 10, '投放属性最多 10 项')
  .default({});

const staffUserIds = z
  .array(z.string().trim().regex(/^[A-Za-z0-9_.@-]{1,64}$/, '成员账号格式不正确'))
  .min(1)
  .max(100)
  .refine((a) => new Set(a).size === a.length, '接待成员不能重复');

// send_welcome_msg allows 4000 bytes; 1300 characters of Chinese stays under it.
const welcomeText = text(1300).refine((s) => Buffer.byteLength(s) <= 4000, '欢迎语不能超过 4000 字节');

// ISO 8601 with an offset (e.g. 2026-12-01T09:00:00+08:00), stored as UTC ms.
const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);
// WeCom's link attachment limits: title ≤128 bytes, desc ≤512 bytes, url ≤2048 bytes.
const welcomeLink = z
  .object({
    title: text(42).refine((s) => Buffer.byteLength(s) <= 128, '链接标题不能超过 128 字节'),
    url: httpUrl,
    desc: text(170).refine((s) => Buffer.byteLength(s) <= 512, '链接描述不能超过 512 字节').optional(),
    picurl: httpUrl.optional(),
  })
  .strict();

// WeCom's mini-program attachment: title ≤64 bytes; appid must be linked to the corp.
const welcomeMiniprogram = z
  .object({
    title: text(21).refine((s) => Buffer.byteLength(s) <= 64, '小程序卡片标题不能超过 64 字节'),
    appid: z.string().regex(/^wx[0-9a-f]{16}$/, '小程序 appid 格式不正确'),
    page: z.string().trim().min(1).max(256),
    assetId: z.number().int().positive(),
  })
  .strict();

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM');
/** Asia/Shanghai working hours; a window may cross midnight (20:00–02:00). */
const workingHours = z
  .object({ from: hhmm, to: hhmm })
  .strict()
  .refine((h) => h.from !== h.to, '开始和结束时间不能相同');

const windowFields = {
  welcomeLink: welcomeLink.nullable().optional(),
  welcomeImageAsset: z.number().int().positive().nullable().optional(),
  welcomeMiniprogram: welcomeMiniprogram.nullable().optional(),
  offer: text(60).nullable().optional(),
  activeFrom: instant.nullable().optional(),
  activeUntil: instant.nullable().optional(),
  coupon: z.object({ title: text(30) }).strict().nullable().optional(),
  routing: z
    .object({
      rule: z.enum(['round_robin', 'weighted']),
      weights: z.record(z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/), z.number().int().min(1).max(100)).optional(),
      dailyCap: z.number().int().min(1).max(10000).optional(),
      backupUserIds: z.array(z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, '成员账号格式不正确')).max(20).optional(),
      hours: workingHours.optional(),
      repHours: z
        .record(z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, '成员账号格式不正确'), workingHours)
        .refine((o) => Object.keys(o).length <= 40, '成员工作时间最多 40 项')
        .optional(),
    })
    .strict()
    .nullable()
    .optional(),
};

export const createChannelBody = z.object({
  name: text(30),
  kind: z.enum(CHANNEL_KINDS),
  storeId: z.number().int().positive().optional(),
  staffUserIds,
  welcomeText,
  tags: z.array(tagInput).max(20).default([]),
  attributes,
  ...windowFields,
}).strict();

const editChannelBody = z
  .object({
    name: text(30).optional(),
    staffUserIds: staffUserIds.optional(),
    welcomeText: welcomeText.optional(),
    tags: z.array(tagInput).max(20).optional(),
    attributes: z.record(text(30), text(30)).refine((o) => Object.keys(o).length <= 10, '投放属性最多 10 项').optional(),
    status: z.enum(['active', 'paused']).optional(),
    ...windowFields,
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, '请至少修改一项');

const batchBody = z
  .object({
    batchKey: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, '批次编号只能包含字母、数字、下划线和横线'),
    namePattern: text(60),
    dimensions: z
      .record(
        text(BATCH_LIMITS.labelChars),
        z
          .array(text(BATCH_LIMITS.valueChars))
          .min(1, '每个投放维度至少需要 1 个取值')
          .max(BATCH_LIMITS.valuesPerDimension, `每个投放维度最多 ${BATCH_LIMITS.valuesPerDimension} 个取值`)
          .refine((a) => new Set(a).size === a.length, '同一维度的取值不能重复'),
      )
      .refine((o) => Object.keys(o).length >= 1 && Object.keys(o).length <= BATCH_LIMITS.dimensions, `批量维度需为 1 到 ${BATCH_LIMITS.dimensions} 个`),
    kind: z.enum(CHANNEL_KINDS),
    storeId: z.number().int().positive().optional(),
    staffUserIds,
    welcomeText,
    tags: z.array(tagInput).max(20).default([]),
    ...windowFields,
  })
  .strict();

export function presentChannel(c: Channel) {
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    kind: c.kind,
    storeId: c.storeId,
    staffUserIds: c.staffUserIds,
    welcomeText: c.welcomeText,
    welcomeLink: c.welcomeLink,
    welcomeImageAsset: c.welcomeImageAsset,
    welcomeMiniprogram: c.welcomeMiniprogram,
    tags: c.tags,
    attributes: c.attributes,
    batchKey: c.batchKey,
    status: c.status,
    offer: c.offer,
    activeFrom: iso(c.activeFrom),
    activeUntil: iso(c.activeUntil),
    coupon: c.coupon,
    routing: c.routing,
    configId: c.configId,
    qrCode: c.qrCode,
    syncState: c.syncState,
    syncError: c.syncError,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** Admin API for channels. Handlers parse, call one service method and present the result. */
export function channelRoutes(d: { channels: ChannelService }): Router {
  const r = new Router({ prefix: '/api/channels' });

  r.post('/', async (ctx) => {
    const body = createChannelBody.parse(await readJson(ctx));
    const c = await d.channels.create(body);
    ctx.status = c.syncState === 'synced' ? 201 : 202;
    ctx.body = presentChannel(c);
  });

  r.post('/batch', async (ctx) => {
    const { batchKey, namePattern, dimensions, ...template } = batchBody.parse(await readJson(ctx));
    const r2 = await d.channels.createBatch({ batchKey, namePattern, dimensions, template });
    ctx.status = r2.created > 0 ? 201 : 200;
    ctx.body = { created: r2.created, existing: r2.existing, items: r2.channels.map(presentChannel) };
  });

  r.patch('/:id', async (ctx) => {
    const id = parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道');
    ctx.body = presentChannel(await d.channels.edit(id, editChannelBody.parse(await readJson(ctx))));
  });

  r.post('/:id/pause', async (ctx) => {
    ctx.body = presentChannel(await d.channels.edit(parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道'), { status: 'paused' }));
  });

  r.post('/:id/resume', async (ctx) => {
    ctx.body = presentChannel(await d.channels.edit(parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道'), { status: 'active' }));
  });

  r.get('/', async (ctx) => {
    const q = pageQuery.extend({ storeId: z.coerce.number().int().positive().optional() }).parse(ctx.query);
    const { items, total } = await d.channels.list(q);
    ctx.body = { items: items.map(presentChannel), total, limit: q.limit, offset: q.offset };
  });

  r.get('/:id', async (ctx) => {
    ctx.body = presentChannel(await d.channels.get(parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道')));
  });

  r.post('/:id/sync', async (ctx) => {
    ctx.body = presentChannel(await d.channels.sync(parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道')));
  });

  return r;
}

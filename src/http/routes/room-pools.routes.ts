import Router from '@koa/router';
import { z } from 'zod';
import type { RoomPoolService } from '../../domain/room/room-pool.service.js';
import { MAX_POOL_ROOMS, MAX_THRESHOLD, MIN_THRESHOLD, type RoomPoolView } from '../../domain/room/room-pool.types.js';
import { readJson } from '../body.js';
import { iso, pageQuery, parseId, printableText } from '../validation.js';

const text = printableText;

const room = z
  .object({
    // The bot's id for the room (e.g. 123@chatroom or R:1069…).
    roomId: text(128),
    chatId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, '企业微信群 ID 格式不正确'),
    topic: text(64).optional(),
  })
  .strict();

const rooms = z.array(room).max(MAX_POOL_ROOMS, `群活码最多包含 ${MAX_POOL_ROOMS} 个群`);
const threshold = z
  .number()
  .int()
  .min(MIN_THRESHOLD, `满员人数不能少于 ${MIN_THRESHOLD}`)
  .max(MAX_THRESHOLD, `满员人数不能超过 ${MAX_THRESHOLD}`);

const createBody = z
  .object({
    storeId: z.number().int().positive().optional(),
    purpose: text(64),
    // WeCom names auto-created rooms after it, with at most 40 characters.
    name: text(40),
    threshold,
    rooms: rooms.min(1, '群活码至少需要 1 个群'),
  })
  .strict();

const editBody = z
  .object({
    name: text(40).optional(),
    threshold: threshold.optional(),
    addRooms: rooms.optional(),
    removeRoomIds: z.array(text(128)).max(MAX_POOL_ROOMS).optional(),
  })
  .strict()
  .refine((o) => Object.values(o).some((v) => v !== undefined), '请至少修改一项');

export function presentRoomPool(p: RoomPoolView) {
  return {
    id: p.id,
    storeId: p.storeId,
    purpose: p.purpose,
    name: p.name,
    threshold: p.threshold,
    qrCode: p.joinQrCode,
    configId: p.joinConfigId,
    syncState: p.syncState,
    syncError: p.syncError,
    currentRoomId: p.currentRoomId,
    joinChatIds: p.joinChatIds,
    allFull: p.allFull,
    counts: p.counts,
    rooms: p.rooms.map((r) => ({ roomId: r.roomId, chatId: r.chatId, topic: r.topic, position: r.position, memberCount: r.memberCount, status: r.status })),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

const poolId = (raw: string | undefined) => parseId(raw, 'ROOM_POOL.INVALID_ID', '群活码');

/** Admin API for group live codes (群活码). Handlers parse, call one service method and present the result. */
export function roomPoolRoutes(d: { roomPools: RoomPoolService }): Router {
  const r = new Router({ prefix: '/api/room-pools' });

  r.post('/', async (ctx) => {
    const p = await d.roomPools.create(createBody.parse(await readJson(ctx)));
    // Created even when WeCom did not take the join way yet: syncState/syncError say so.
    ctx.status = 201;
    ctx.body = presentRoomPool(p);
  });

  r.get('/', async (ctx) => {
    const q = pageQuery.extend({ storeId: z.coerce.number().int().positive().optional() }).parse(ctx.query);
    const { items, total } = await d.roomPools.list(q);
    ctx.body = { items: items.map(presentRoomPool), total, limit: q.limit, offset: q.offset };
  });

  r.get('/:id', async (ctx) => {
    ctx.body = presentRoomPool(await d.roomPools.get(poolId(ctx.params.id)));
  });

  r.patch('/:id', async (ctx) => {
    const id = poolId(ctx.params.id);
    ctx.body = presentRoomPool(await d.roomPools.edit(id, editBody.parse(await readJson(ctx))));
  });

  r.post('/:id/sync', async (ctx) => {
    ctx.body = presentRoomPool(await d.roomPools.sync(poolId(ctx.params.id)));
  });

  return r;
}

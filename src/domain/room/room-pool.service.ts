import type { Clock } from '../../shared/clock.js';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Transactor } from '../customer/customer.ports.js';
import { PoolConflictError, type JoinWayGateway, type JoinWayInput, type RoomPoolRepo } from './room-pool.ports.js';
import {
  MAX_POOL_ROOMS,
  type NewRoomPool,
  type PoolRoom,
  type PoolRoomStatus,
  type RoomChange,
  type RoomPool,
  type RoomPoolEdit,
  type RoomPoolView,
} from './room-pool.types.js';

/** WeCom lists at most 5 groups in one join way (wecom-protocol.md §4.9). */
export const JOIN_WAY_CHATS = 5;

export interface RoomPoolServiceDeps {
  pools: RoomPoolRepo;
  tx: Transactor<RoomPoolRepo>;
  joinWays: JoinWayGateway;
  clock: Clock;
  log: Logger;
}

const statusAt = (count: number, threshold: number): PoolRoomStatus => (count >= threshold ? 'full' : 'active');

/**
 * The chat ids the join way should list: the first open rooms by position. When every room is
 * full the last room stays listed so the QR keeps working (WeCom fills it to its own limit and
 * then auto-creates rooms).
 */
export function joinChatIds(rooms: PoolRoom[]): string[] {
  const open = rooms.filter((r) => r.status === 'active').map((r) => r.chatId);
  if (open.length) return open.slice(0, JOIN_WAY_CHATS);
  const last = rooms[rooms.length - 1];
  return last ? [last.chatId] : [];
}

export function presentPool(p: RoomPool): RoomPoolView {
  const active = p.rooms.filter((r) => r.status === 'active');
  return {
    ...p,
    currentRoomId: active[0]?.roomId ?? null,
    joinChatIds: joinChatIds(p.rooms),
    counts: {
      rooms: p.rooms.length,
      active: active.length,
      full: p.rooms.length - active.length,
      members: p.rooms.reduce((n, r) => n + r.memberCount, 0),
    },
    allFull: p.rooms.length > 0 && active.length === 0,
  };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const errorText = (e: unknown) => {
  const errcode = (e as { errcode?: number }).errcode;
  return `${(e as Error).message}${errcode === undefined ? '' : `（errcode ${errcode}）`}`.slice(0, 255);
};

/**
 * Group live codes (群活码): a pool of WeCom group chats for one purpose behind one WeCom join
 * way QR code. Rooms fill in position order; a room that reaches the threshold is marked full
 * and the join way is re-pointed at the open rooms. WeCom failures never lose an edit: the
 * pool keeps syncState 'failed' with the reason visible and `retryFailedSyncs` pushes it again.
 * Changes to one pool are serialised in this process (the bot reports joins from one process).
 */
export class RoomPoolService {
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(private readonly d: RoomPoolServiceDeps) {}

  /** Stores the pool and creates its join way. A WeCom failure leaves it stored with syncState 'failed'. */
  async create(input: NewRoomPool): Promise<RoomPoolView> {
    this.checkRooms(input.rooms.map((r) => r.roomId), input.rooms.map((r) => r.chatId));
    if (input.storeId !== undefined && !(await this.d.pools.storeExists(input.storeId))) throw badRequest('ROOM_POOL.STORE_NOT_FOUND', '门店不存在');
    const now = this.d.clock.now();
    const id = await this.d.tx
      .transaction(async (repo) => {
        const poolId = await repo.insertPool({
          storeId: input.storeId ?? null,
          purpose: input.purpose,
          name: input.name,
          threshold: input.threshold,
          joinConfigId: null,
          joinQrCode: null,
          syncState: 'pending',
          syncError: null,
          createdAt: now,
          updatedAt: now,
        });
        await repo.insertRooms(poolId, input.rooms);
        return poolId;
      })
      .catch(mapConflict);
    return this.withLock(id, () => this.settle(id, { push: true }));
  }

  /**
   * Changes name, threshold or rooms. Room statuses follow the new threshold at once, and the
   * join way is pushed when what it lists (or its name) changed.
   */
  async edit(id: number, patch: RoomPoolEdit): Promise<RoomPoolView> {
    return this.withLock(id, async () => {
      const pool = await this.find(id);
      const remove = new Set(patch.removeRoomIds ?? []);
      const unknown = [...remove].find((r) => !pool.rooms.some((x) => x.roomId === r));
      if (unknown !== undefined) throw badRequest('ROOM_POOL.ROOM_NOT_IN_POOL', `群 ${unknown} 不在该群活码中`);
      const kept = pool.rooms.filter((r) => !remove.has(r.roomId));
      const added = patch.addRooms ?? [];
      this.checkRooms([...kept, ...added].map((r) => r.roomId), [...kept, ...added].map((r) => r.chatId));
      const before = joinChatIds(pool.rooms);
      await this.d.tx
        .transaction(async (repo) => {
          if (remove.size) await repo.deleteRooms(id, [...remove]);
          if (added.length) await repo.insertRooms(id, added);
          await repo.updatePool(id, { name: patch.name, threshold: patch.threshold, updatedAt: this.d.clock.now() });
        })
        .catch(mapConflict);
      return this.settle(id, { push: (patch.name !== undefined && patch.name !== pool.name) || !!added.length || !!remove.size, before });
    });
  }

  /** Pushes the join way to WeCom now, whatever its state (the operator's "retry now"). */
  async sync(id: number): Promise<RoomPoolView> {
    return this.withLock(id, () => this.settle(id, { push: true }));
  }

  /** The retry behind syncState 'failed'/'pending'; never throws, failures stay visible on the pool. */
  async retryFailedSyncs(limit = 50): Promise<{ tried: number; synced: number }> {
    const due = await this.d.pools.listUnsynced(limit);
    let synced = 0;
    for (const p of due) {
      const v = await this.sync(p.id).catch((e: Error) => {
        this.d.log.warn({ poolId: p.id, err: e.message }, 'room pool sync retry failed');
        return undefined;
      });
      if (v?.syncState === 'synced') synced++;
    }
    return { tried: due.length, synced };
  }

  async get(id: number): Promise<RoomPoolView> {
    return presentPool(await this.find(id));
  }

  async list(q: { storeId?: number; limit: number; offset: number }): Promise<{ items: RoomPoolView[]; total: number }> {
    const { items, total } = await this.d.pools.listPools(q);
    return { items: items.map(presentPool), total };
  }

  /** The room new members should be sent to: the first active room by position, or undefined when all are full. */
  async current(poolId: number): Promise<PoolRoom | undefined> {
    return (await this.find(poolId)).rooms.find((r) => r.status === 'active');
  }

  /** The bot read a room's member count. Undefined when the room is in no pool. */
  recordMembership(roomId: string, memberCount: number): Promise<RoomChange | undefined> {
    return this.recordCount(roomId, (repo) => repo.setMembers(roomId, Math.max(0, Math.floor(memberCount))));
  }

  /** `n` people joined the room. Undefined when the room is in no pool. */
  recordJoin(roomId: string, n = 1): Promise<RoomChange | undefined> {
    return this.recordCount(roomId, (repo) => repo.addMembers(roomId, n));
  }

  /** `n` people left the room. Undefined when the room is in no pool. */
  recordLeave(roomId: string, n = 1): Promise<RoomChange | undefined> {
    return this.recordCount(roomId, (repo) => repo.addMembers(roomId, -n));
  }

  private async recordCount(roomId: string, write: (repo: RoomPoolRepo) => Promise<void>): Promise<RoomChange | undefined> {
    const room = await this.d.pools.findRoom(roomId);
    if (!room) return undefined;
    return this.withLock(room.poolId, async () => {
      const pool = await this.find(room.poolId);
      await write(this.d.pools);
      const view = await this.settle(room.poolId, { push: false, before: joinChatIds(pool.rooms) });
      const now = view.rooms.find((r) => r.roomId === roomId)!;
      const was = pool.rooms.find((r) => r.roomId === roomId)!;
      return {
        poolId: view.id,
        room: now,
        becameFull: was.status === 'active' && now.status === 'full',
        reopened: was.status === 'full' && now.status === 'active',
        resynced: !sameList(joinChatIds(pool.rooms), view.joinChatIds) && view.syncState === 'synced',
        syncState: view.syncState,
      };
    });
  }

  /**
   * Brings room statuses in line with counts and threshold, then pushes the join way when asked,
   * when what it lists changed since `before`, or when the last push did not succeed.
   */
  private async settle(id: number, o: { push: boolean; before?: string[] }): Promise<RoomPoolView> {
    const pool = await this.find(id);
    const rooms = pool.rooms.map((r) => ({ ...r, status: statusAt(r.memberCount, pool.threshold) }));
    for (const status of ['full', 'active'] as const) {
      const ids = rooms.filter((r, i) => r.status === status && pool.rooms[i]!.status !== status).map((r) => r.id);
      if (ids.length) await this.d.pools.setRoomStatus(ids, status);
    }
    const next = { ...pool, rooms };
    const listChanged = o.before !== undefined && !sameList(o.before, joinChatIds(rooms));
    if (o.push || listChanged || pool.syncState !== 'synced') await this.push(next);
    return presentPool((await this.d.pools.findPool(id))!);
  }

  /** Creates or overwrites the join way; records the outcome on the pool instead of throwing. */
  private async push(pool: RoomPool): Promise<void> {
    const spec: JoinWayInput = {
      scene: 2,
      remark: pool.name,
      autoCreateRoom: true,
      roomBaseName: pool.name,
      roomBaseId: pool.rooms.length + 1,
      chatIds: joinChatIds(pool.rooms),
      state: `rp_${pool.id}`,
    };
    let configId = pool.joinConfigId;
    try {
      if (configId) {
        await this.d.joinWays.updateJoinWay(configId, spec);
      } else {
        configId = await this.d.joinWays.addJoinWay(spec);
        // Kept at once so a failure below updates this way later instead of making a second one.
        await this.d.pools.updatePool(pool.id, { joinConfigId: configId, updatedAt: this.d.clock.now() });
      }
      const qrCode = pool.joinQrCode ?? (await this.d.joinWays.getJoinWay(configId)).qrCode ?? null;
      await this.d.pools.updatePool(pool.id, { joinQrCode: qrCode, syncState: 'synced', syncError: null, updatedAt: this.d.clock.now() });
    } catch (e) {
      this.d.log.warn({ poolId: pool.id, err: (e as Error).message }, 'room pool join way not synced');
      await this.d.pools.updatePool(pool.id, { syncState: 'failed', syncError: errorText(e), updatedAt: this.d.clock.now() });
    }
  }

  private checkRooms(roomIds: string[], chatIds: string[]): void {
    if (roomIds.length === 0) throw badRequest('ROOM_POOL.NO_ROOMS', '群活码至少需要 1 个群');
    if (roomIds.length > MAX_POOL_ROOMS) throw badRequest('ROOM_POOL.TOO_MANY_ROOMS', `群活码最多包含 ${MAX_POOL_ROOMS} 个群`);
    if (new Set(roomIds).size !== roomIds.length) throw badRequest('ROOM_POOL.DUPLICATE_ROOM', '群不能重复');
    if (new Set(chatIds).size !== chatIds.length) throw badRequest('ROOM_POOL.DUPLICATE_CHAT', '企业微信群 ID 不能重复');
  }

  private async find(id: number): Promise<RoomPool> {
    const p = await this.d.pools.findPool(id);
    if (!p) throw notFound('ROOM_POOL.NOT_FOUND', '群活码不存在');
    return p;
  }

  private async withLock<T>(poolId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(poolId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(poolId, tail);
    void tail.then(() => {
      if (this.locks.get(poolId) === tail) this.locks.delete(poolId);
    });
    return run;
  }
}

function mapConflict(e: unknown): never {
  if (e instanceof PoolConflictError) {
    throw e.field === 'purpose' ? conflict('ROOM_POOL.PURPOSE_TAKEN', '该用途的群活码已存在') : conflict('ROOM_POOL.ROOM_TAKEN', '群已属于其他群活码');
  }
  throw e;
}

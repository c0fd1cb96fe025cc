import type { Knex } from 'knex';
import type { Transactor } from '../domain/customer/customer.ports.js';
import { PoolConflictError, type RoomPoolPatch, type RoomPoolRepo } from '../domain/room/room-pool.ports.js';
import type { NewPoolRoom, PoolRoom, PoolRoomStatus, PoolSyncState, RoomPool } from '../domain/room/room-pool.types.js';
import { isDuplicate } from './db-errors.js';

interface PoolRow {
  id: number;
  store_id: number | null;
  purpose: string;
  name: string;
  threshold: number;
  join_config_id: string | null;
  join_qr_code: string | null;
  sync_state: PoolSyncState;
  sync_error: string | null;
  created_at: number;
  updated_at: number;
}

interface RoomRow {
  id: number;
  pool_id: number;
  position: number;
  room_id: string;
  chat_id: string;
  topic: string;
  member_count: number;
  status: PoolRoomStatus;
}

const toRoom = (r: RoomRow): PoolRoom => ({
  id: Number(r.id),
  poolId: Number(r.pool_id),
  position: Number(r.position),
  roomId: r.room_id,
  chatId: r.chat_id,
  topic: r.topic,
  memberCount: Number(r.member_count),
  status: r.status,
});

const toPool = (r: PoolRow, rooms: PoolRoom[]): RoomPool => ({
  id: Number(r.id),
  storeId: r.store_id === null ? null : Number(r.store_id),
  purpose: r.purpose,
  name: r.name,
  threshold: Number(r.threshold),
  joinConfigId: r.join_config_id,
  joinQrCode: r.join_qr_code,
  syncState: r.sync_state,
  syncError: r.sync_error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  rooms,
});

/** Column values of the pool fields that are set (undefined ones are left out). */
function poolColumns(p: Partial<Omit<RoomPool, 'id' | 'rooms'>>): Record<string, unknown> {
  const cols: Record<string, unknown> = {
    store_id: p.storeId,
    purpose: p.purpose,
    name: p.name,
    threshold: p.threshold,
    join_config_id: p.joinConfigId,
    join_qr_code: p.joinQrCode,
    sync_state: p.syncState,
    sync_error: p.syncError,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
  return Object.fromEntries(Object.entries(cols).filter(([, v]) => v !== undefined));
}

/** Room pools (room_pools) and their rooms (pool_rooms). */
export class SqlRoomPoolRepo implements RoomPoolRepo {
  constructor(private readonly db: Knex) {}

  async insertPool(p: Omit<RoomPool, 'id' | 'rooms'>): Promise<number> {
    try {
      const [id] = await this.db('room_pools').insert(poolColumns(p));
      return Number(id);
    } catch (e) {
      if (isDuplicate(e)) throw new PoolConflictError('purpose');
      throw e;
    }
  }

  async insertRooms(poolId: number, rooms: NewPoolRoom[]): Promise<void> {
    if (!rooms.length) return;
    const last = await this.db('pool_rooms').where({ pool_id: poolId }).max({ p: 'position' }).first();
    const start = last?.p === null || last?.p === undefined ? 0 : Number(last.p) + 1;
    try {
      await this.db('pool_rooms').insert(
        rooms.map((r, i) => ({ pool_id: poolId, position: start + i, room_id: r.roomId, chat_id: r.chatId, topic: r.topic ?? '', member_count: 0, status: 'active' })),
      );
    } catch (e) {
      if (isDuplicate(e)) throw new PoolConflictError('roomId');
      throw e;
    }
  }

  deleteRooms(poolId: number, roomIds: string[]): Promise<number> {
    return this.db('pool_rooms').where({ pool_id: poolId }).whereIn('room_id', roomIds).delete();
  }

  async findPool(id: number): Promise<RoomPool | undefined> {
    const row = (await this.db('room_pools').where({ id }).first()) as PoolRow | undefined;
    if (!row) return undefined;
    return toPool(row, await this.roomsOf([row.id]).then((m) => m.get(Number(row.id)) ?? []));
  }

  async listPools(q: { storeId?: number; limit: number; offset: number }): Promise<{ items: RoomPool[]; total: number }> {
    const base = () => (q.storeId === undefined ? this.db('room_pools') : this.db('room_pools').where({ store_id: q.storeId }));
    const rows = (await base().orderBy('id', 'desc').limit(q.limit).offset(q.offset)) as PoolRow[];
    const counted = (await base().count({ n: '*' })) as Array<{ n: number | string }>;
    const rooms = await this.roomsOf(rows.map((r) => r.id));
    return { items: rows.map((r) => toPool(r, rooms.get(Number(r.id)) ?? [])), total: Number(counted[0]?.n ?? 0) };
  }

  async findRoom(roomId: string): Promise<PoolRoom | undefined> {
    const row = (await this.db('pool_rooms').where({ room_id: roomId }).first()) as RoomRow | undefined;
    return row && toRoom(row);
  }

  async updatePool(id: number, p: RoomPoolPatch): Promise<void> {
    await this.db('room_pools').where({ id }).update(poolColumns(p));
  }

  async addMembers(roomId: string, delta: number): Promise<void> {
    // One statement, so concurrent joins from several processes are all counted.
    await this.db('pool_rooms')
      .where({ room_id: roomId })
      .update({ member_count: this.db.raw('CASE WHEN member_count + ? < 0 THEN 0 ELSE member_count + ? END', [delta, delta]) });
  }

  async setMembers(roomId: string, count: number): Promise<void> {
    await this.db('pool_rooms').where({ room_id: roomId }).update({ member_count: count });
  }

  async setRoomStatus(ids: number[], status: PoolRoomStatus): Promise<void> {
    if (ids.length) await this.db('pool_rooms').whereIn('id', ids).update({ status });
  }

  async listUnsynced(limit: number): Promise<Array<{ id: number; syncState: PoolSyncState }>> {
    const rows = (await this.db('room_pools').whereNot({ sync_state: 'synced' }).orderBy('updated_at').limit(limit).select('id', 'sync_state')) as PoolRow[];
    return rows.map((r) => ({ id: Number(r.id), syncState: r.sync_state }));
  }

  async storeExists(id: number): Promise<boolean> {
    return !!(await this.db('stores').where({ id }).first('id'));
  }

  private async roomsOf(poolIds: number[]): Promise<Map<number, PoolRoom[]>> {
    const out = new Map<number, PoolRoom[]>();
    if (!poolIds.length) return out;
    const rows = (await this.db('pool_rooms').whereIn('pool_id', poolIds).orderBy(['pool_id', 'position'])) as RoomRow[];
    for (const r of rows) {
      const room = toRoom(r);
      out.set(room.poolId, [...(out.get(room.poolId) ?? []), room]);
    }
    return out;
  }
}

/** Runs fn in one transaction with a SqlRoomPoolRepo bound to it. */
export function roomPoolTransactor(db: Knex): Transactor<RoomPoolRepo> {
  return { transaction: (fn) => db.transaction((trx) => fn(new SqlRoomPoolRepo(trx))) };
}

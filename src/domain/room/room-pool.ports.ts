import type { NewPoolRoom, PoolRoomStatus, PoolSyncState, RoomPool, PoolRoom } from './room-pool.types.js';

export type RoomPoolPatch = Partial<Pick<RoomPool, 'name' | 'threshold' | 'joinConfigId' | 'joinQrCode' | 'syncState' | 'syncError'>> & { updatedAt: number };

/** Thrown by insertPool / insertRooms when a purpose or a room is already taken. */
export class PoolConflictError extends Error {
  constructor(readonly field: 'purpose' | 'roomId') {
    super(`room pool ${field} already taken`);
  }
}

/** Storage of room pools and their rooms. */
export interface RoomPoolRepo {
  /** Throws PoolConflictError when the purpose is taken. */
  insertPool(p: Omit<RoomPool, 'id' | 'rooms'>): Promise<number>;
  /** Appends rooms after the pool's last position; throws PoolConflictError when a room is in a pool already. */
  insertRooms(poolId: number, rooms: NewPoolRoom[]): Promise<void>;
  deleteRooms(poolId: number, roomIds: string[]): Promise<number>;
  findPool(id: number): Promise<RoomPool | undefined>;
  listPools(q: { storeId?: number; limit: number; offset: number }): Promise<{ items: RoomPool[]; total: number }>;
  findRoom(roomId: string): Promise<PoolRoom | undefined>;
  updatePool(id: number, patch: RoomPoolPatch): Promise<void>;
  /** Adds delta to the member count atomically, never below zero. */
  addMembers(roomId: string, delta: number): Promise<void>;
  setMembers(roomId: string, count: number): Promise<void>;
  setRoomStatus(ids: number[], status: PoolRoomStatus): Promise<void>;
  /** Pools whose join way is not synced, oldest change first. */
  listUnsynced(limit: number): Promise<Array<{ id: number; syncState: PoolSyncState }>>;
  storeExists(id: number): Promise<boolean>;
}

/** WeCom's group 「加入群聊」 join way (groupchat/*_join_way). */
export interface JoinWayGateway {
  /** Returns the new way's config_id. */
  addJoinWay(spec: JoinWayInput): Promise<string>;
  getJoinWay(configId: string): Promise<{ qrCode?: string }>;
  /** Overwrites the whole way. */
  updateJoinWay(configId: string, spec: JoinWayInput): Promise<void>;
}

export interface JoinWayInput {
  scene: 2;
  remark: string;
  autoCreateRoom: boolean;
  roomBaseName: string;
  roomBaseId: number;
  chatIds: string[];
  state: string;
}

export type PoolSyncState = 'pending' | 'synced' | 'failed';
export type PoolRoomStatus = 'active' | 'full';

export const MIN_THRESHOLD = 2;
export const MAX_THRESHOLD = 500;
export const MAX_POOL_ROOMS = 50;

export interface PoolRoom {
  id: number;
  poolId: number;
  /** Order in which rooms are filled. */
  position: number;
  /** The room as the bot sees it. */
  roomId: string;
  /** The same room as WeCom's API names it. */
  chatId: string;
  topic: string;
  memberCount: number;
  /** full once memberCount reached the pool's threshold. */
  status: PoolRoomStatus;
}

/** A list of group chats for one purpose, joined through one WeCom group QR code. */
export interface RoomPool {
  id: number;
  storeId: number | null;
  purpose: string;
  name: string;
  threshold: number;
  joinConfigId: string | null;
  joinQrCode: string | null;
  syncState: PoolSyncState;
  syncError: string | null;
  createdAt: number;
  updatedAt: number;
  /** By position. */
  rooms: PoolRoom[];
}

export interface NewPoolRoom {
  roomId: string;
  chatId: string;
  topic?: string;
}

export interface NewRoomPool {
  storeId?: number;
  purpose: string;
  name: string;
  threshold: number;
  rooms: NewPoolRoom[];
}

export interface RoomPoolEdit {
  name?: string;
  threshold?: number;
  /** Appended after the existing rooms. */
  addRooms?: NewPoolRoom[];
  /** Bot room ids to take out of the pool. */
  removeRoomIds?: string[];
}

/** A pool as shown to admins and the bot: the stored pool plus what follows from it. */
export interface RoomPoolView extends RoomPool {
  /** The first active room by position; null when every room is full. */
  currentRoomId: string | null;
  /** The chat ids the join way lists (what WeCom fills, in order). */
  joinChatIds: string[];
  counts: { rooms: number; active: number; full: number; members: number };
  /**
   * Every room reached the threshold. The join way then lists the last room and keeps working:
   * WeCom lets people into it up to its own group limit and then creates new groups
   * (auto_create_room, named after the pool). Add rooms to get back under the threshold.
   */
  allFull: boolean;
}

/** What a membership report changed, so the bot can tell someone. */
export interface RoomChange {
  poolId: number;
  room: PoolRoom;
  becameFull: boolean;
  reopened: boolean;
  /** The join way was pushed to WeCom because the set of open rooms changed. */
  resynced: boolean;
  /** The pool's state after the change. */
  syncState: PoolSyncState;
}

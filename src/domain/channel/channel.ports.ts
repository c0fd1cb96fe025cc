import type { Channel, ChannelStatus, SyncState } from './channel.types.js';

export type ChannelPatch = Partial<
  Pick<Channel, 'name' | 'staffUserIds' | 'welcomeText' | 'welcomeLink' | 'welcomeImageAsset' | 'welcomeMiniprogram' | 'tags' | 'attributes' | 'status' | 'offer' | 'activeFrom' | 'activeUntil' | 'coupon' | 'routing' | 'syncState' | 'syncError' | 'configId' | 'qrCode'>
> & { updatedAt: number };

/** Thrown by insertChannel when the (batch, placement) is already a channel: the unique key decided. */
export class PlacementTakenError extends Error {
  constructor() {
    super('channel placement already taken in its batch');
  }
}

export interface ChannelListQuery {
  storeId?: number;
  staffUserId?: string;
  status?: ChannelStatus;
  q?: string;
  limit: number;
  offset: number;
}

export interface ChannelRepo {
  /** Throws PlacementTakenError when another channel already holds the same batch and placement. */
  insertChannel(c: Omit<Channel, 'id'>): Promise<Channel>;
  findChannel(id: number): Promise<Channel | undefined>;
  findChannelByCode(code: string): Promise<Channel | undefined>;
  findChannelByPlacement(batchKey: string, placementKey: string): Promise<Channel | undefined>;
  listChannelsByBatch(batchKey: string): Promise<Channel[]>;
  /** Active, synced channels whose routing changes the shared QR's reps: a daily cap, hours (the channel's or a rep's) or weights. */
  listCappedChannels(): Promise<Channel[]>;
  /** Distinct customers each rep added through the channel in [from, to). */
  addsByRep(channelId: number, from: number, to: number): Promise<Map<string, number>>;
  /** Channels whose WeCom contact way failed to sync, oldest change first. */
  listUnsynced(limit: number): Promise<Channel[]>;
  updateChannel(id: number, patch: ChannelPatch): Promise<void>;
  /** Newest first; `staffUserId` keeps channels routed to that rep, `q` matches a name fragment. */
  listChannels(q: ChannelListQuery): Promise<{ items: Channel[]; total: number }>;
  updateChannelSync(id: number, p: { syncState: SyncState; syncError: string | null; configId?: string; qrCode?: string; updatedAt: number }): Promise<void>;
  deleteChannel(id: number): Promise<void>;
  storeExists(id: number): Promise<boolean>;
  /** Registers reps seen in a channel so later features know them; existing rows are kept. */
  upsertStaff(userids: string[], storeId: number | null, now: number): Promise<void>;
}

/** WeCom's 「联系我」 contact way. */
export interface ContactWayGateway {
  addContactWay(p: { userids: string[]; state: string; remark: string }): Promise<{ configId: string; qrCode: string }>;
  /** Overwrites the reps and remark of an existing contact way. */
  updateContactWay(p: { configId: string; userids: string[]; remark: string }): Promise<void>;
}

import type { TagRef } from '../tag/tag.types.js';

export const CHANNEL_KINDS = ['poster', 'elevator', 'community', 'counter', 'event', 'online', 'other'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type ChannelStatus = 'active' | 'paused';
/** Whether WeCom has the contact way: pending (not yet asked), synced, failed (will be retried). */
export type SyncState = 'pending' | 'synced' | 'failed';

export interface Channel {
  id: number;
  code: string;
  name: string;
  kind: ChannelKind;
  storeId: number | null;
  staffUserIds: string[];
  welcomeText: string;
  tags: TagRef[];
  status: ChannelStatus;
  configId: string | null;
  qrCode: string | null;
  syncState: SyncState;
  syncError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewChannel {
  name: string;
  kind: ChannelKind;
  storeId?: number;
  staffUserIds: string[];
  welcomeText: string;
  tags: TagRef[];
}

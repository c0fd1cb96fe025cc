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
  welcomeLink: WelcomeLink | null;
  /** An image (a stored media asset) sent with the welcome. */
  welcomeImageAsset: number | null;
  welcomeMiniprogram: WelcomeMiniprogram | null;
  tags: TagRef[];
  /** Placement attributes, label → value, e.g. {"楼栋":"3号楼","电梯":"A"}; each also becomes a tag. */
  attributes: Record<string, string>;
  batchKey: string | null;
  placementKey: string | null;
  status: ChannelStatus;
  /** The line the landing page and poster promise, e.g. 扫码领取新人礼. */
  offer: string | null;
  activeFrom: number | null;
  activeUntil: number | null;
  coupon: CouponOffer | null;
  routing: Routing | null;
  configId: string | null;
  qrCode: string | null;
  syncState: SyncState;
  syncError: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * How the landing page shares leads among a channel's reps: the least-loaded rep today
 * (round_robin) or in proportion to weights, skipping reps at their daily cap, then backups.
 */
export interface Routing {
  rule: 'round_robin' | 'weighted';
  weights?: Record<string, number>;
  dailyCap?: number;
  backupUserIds?: string[];
  /** The primary reps' working hours, Asia/Shanghai "HH:MM"; outside them the backups take over. */
  hours?: { from: string; to: string };
  /** A rep's own hours (primary or backup), in place of `hours`; a backup without any is always on. */
  repHours?: Record<string, { from: string; to: string }>;
}

/** A link card sent with the welcome (send_welcome_msg attachment of msgtype link). */
export interface WelcomeLink {
  title: string;
  url: string;
  desc?: string;
  picurl?: string;
}

/** A mini-program card sent with the welcome; its cover is a stored image. */
export interface WelcomeMiniprogram {
  title: string;
  appid: string;
  page: string;
  assetId: number;
}

export interface CouponOffer {
  title: string;
}

export interface NewChannel {
  name: string;
  kind: ChannelKind;
  storeId?: number;
  staffUserIds: string[];
  welcomeText: string;
  welcomeLink?: WelcomeLink | null;
  welcomeImageAsset?: number | null;
  welcomeMiniprogram?: WelcomeMiniprogram | null;
  tags: TagRef[];
  attributes?: Record<string, string>;
  offer?: string | null;
  activeFrom?: number | null;
  activeUntil?: number | null;
  coupon?: CouponOffer | null;
  routing?: Routing | null;
}

export interface ChannelEdit {
  name?: string;
  staffUserIds?: string[];
  welcomeText?: string;
  welcomeLink?: WelcomeLink | null;
  welcomeImageAsset?: number | null;
  welcomeMiniprogram?: WelcomeMiniprogram | null;
  tags?: TagRef[];
  attributes?: Record<string, string>;
  status?: ChannelStatus;
  offer?: string | null;
  activeFrom?: number | null;
  activeUntil?: number | null;
  coupon?: CouponOffer | null;
  routing?: Routing | null;
}

/** A placement matrix: every combination of the dimensions becomes one channel. */
export interface ChannelBatch {
  batchKey: string;
  /** e.g. '电梯广告-{楼栋}-{电梯}': each {label} is replaced by that dimension's value. */
  namePattern: string;
  dimensions: Record<string, string[]>;
  template: Omit<NewChannel, 'name' | 'attributes'>;
}

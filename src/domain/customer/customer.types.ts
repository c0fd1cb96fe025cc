import type { Tag } from '../tag/tag.types.js';

export type IdentityKind = 'wecom_external' | 'unionid' | 'mp_openid' | 'oa_openid' | 'phone_hash' | 'bot_contact';
export type Stage = 'lead' | 'new' | 'repeat' | 'dormant' | 'reactivated' | 'churned';
/** Where a customer's name came from (see facts.ts for what may replace what). */
export type NameSource = 'typed' | 'order' | 'wechat';
export type FollowStatus = 'active' | 'deleted_by_staff' | 'deleted_by_customer';

export interface Customer {
  id: number;
  storeId: number | null;
  name: string;
  /** Where the name came from; null for names recorded before the source was kept. */
  nameSource: NameSource | null;
  avatar: string | null;
  gender: number;
  ownerUserId: string | null;
  firstChannelId: number | null;
  stage: Stage;
  optedOut: boolean;
  /** Paid orders on record (read only here: orders keep it up to date). */
  orderCount?: number;
  /** Set when this record was merged into another customer (the one to read instead). */
  mergedInto?: number | null;
  /** Set when the person's data was erased on request: the row is anonymous from then on. */
  erasedAt?: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Follow {
  customerId: number;
  staffUserId: string;
  channelId: number | null;
  state: string | null;
  status: FollowStatus;
  addedAt: number;
  removedAt: number | null;
}

/** Kinds of timeline rows. */
export type TimelineKind =
  | 'contact_added'
  | 'welcome_sent'
  | 'welcome_failed'
  | 'welcome_skipped'
  | 'contact_edited'
  | 'contact_deleted_by_staff'
  | 'contact_lost'
  | 'transfer_failed'
  | 'tags_added'
  | 'tags_removed'
  | 'note_added'
  | 'lead_submitted'
  | 'lead_linked'
  | 'customer_merged'
  | 'customer_unmerged'
  | 'message_in'
  | 'message_out'
  | 'opted_out'
  | 'opted_in'
  | 'handoff'
  | 'survey_answered'
  | 'order_paid'
  /** A journey touch went out (bot, WeCom mass message awaiting the rep, or a task). */
  | 'touch_sent'
  /** A journey gave the customer a coupon. */
  | 'coupon_given'
  /** A rep closed a task about the customer, with its outcome. */
  | 'task_done';

export interface TimelineEntry {
  id?: number;
  customerId: number;
  kind: TimelineKind;
  channelId: number | null;
  staffUserId: string | null;
  data: Record<string, unknown>;
  occurredAt: number;
  sourceEventId: number | null;
}

export interface CustomerView extends Customer {
  /** `removable`: an operator may remove it (operatorMayEdit); clients hide removal on the others. */
  tags: Array<Pick<Tag, 'id' | 'group' | 'name' | 'kind'> & { removable: boolean }>;
  follows: Follow[];
  timeline: TimelineEntry[];
}

/** Where a bot message goes: a 1:1 chat with a contact, or a group (room). Ids are the bot account's (Wechaty) ids. */
export type ConversationRef = { kind: 'dm'; contactId: string } | { kind: 'room'; roomId: string };

/**
 * Why a message is sent. `marketing` is never delivered to an opted-out customer (checked when
 * enqueued and again just before sending); the others answer something the person did.
 */
export type OutboxPurpose = 'reply' | 'marketing' | 'system' | 'welcome' | 'warn';

export type OutboxAction = 'say' | 'remove';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

/** What a caller asks the bot to do. */
export interface OutboxRequest {
  account: string;
  to: ConversationRef;
  /** `say` sends `text` (mentioning `mentionIds` in a room); `remove` takes `mentionIds[0]` out of the room. */
  action?: OutboxAction;
  text: string;
  mentionIds?: string[];
  customerId?: number | null;
  purpose: OutboxPurpose;
  /** Enqueueing twice with one key stores one row. */
  dedupeKey?: string;
  /** Not before this time (ms); default now. */
  dueAt?: number;
}

export interface OutboxMessage {
  id: number;
  account: string;
  dedupeKey: string | null;
  action: OutboxAction;
  to: ConversationRef;
  text: string;
  mentionIds: string[];
  customerId: number | null;
  purpose: OutboxPurpose;
  status: OutboxStatus;
  attempts: number;
  dueAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/**
 * The bot account's side of the world: the only thing that makes the bot speak or act.
 * Implemented over Wechaty in src/bot/sender.ts and by fakes in tests. Rejects with an error
 * whose `code` is 'BOT.RATE_LIMITED' when the vendor refuses a send for sending too much
 * (WorkPro 20001 / 「操作过于频繁」), 'BOT.NOT_FOUND' when the target is unknown to the account.
 */
export interface OutboundPort {
  sendText(to: ConversationRef, text: string, o?: { mentionIds?: string[] }): Promise<void>;
  removeMember(roomId: string, contactId: string): Promise<void>;
}

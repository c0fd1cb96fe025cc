import type { ConversationRef } from '../outbox/outbox.types.js';

export type MessageKind = 'text' | 'image' | 'url' | 'miniprogram' | 'contact' | 'file' | 'other';

/** One message as the bot account received it, free of Wechaty types. */
export interface InboundMessage {
  id: string;
  account: string;
  conversation: ConversationRef;
  /** `externalUserId`: the WeCom external_userid (wm…) when the puppet tells it (WorkPro's handle). */
  talker: { id: string; name: string; coworker: boolean; externalUserId?: string };
  /** In a room: the text without the @-mentions. */
  text: string;
  kind: MessageKind;
  mentionsBot: boolean;
  /** Images only: the adapter found a QR code in it. */
  imageHasQr?: boolean;
  sentAt: number;
  /** Set in rooms. */
  room?: { topic: string; ownerId: string | null };
}

/** The customer behind a bot contact, as much as conversations need. */
export interface BotCustomer {
  id: number;
  storeId: number | null;
  name: string;
  ownerUserId: string | null;
  optedOut: boolean;
  firstChannelId: number | null;
}

export interface StaffMember {
  userId: string;
  name: string;
  storeId: number | null;
  role: string;
}

export type QuestionKey = 'nps' | 'birthday';

export interface ConversationState {
  key: string;
  customerId: number | null;
  needsHuman: boolean;
  handoffAt: number | null;
  quietUntil: number | null;
  pendingQuestion: QuestionKey | null;
  pendingRef: string | null;
  pendingTries: number;
  pendingUntil: number | null;
}

export const conversationKey = (account: string, to: ConversationRef) =>
  to.kind === 'dm' ? `${account}|dm|${to.contactId}` : `${account}|room|${to.roomId}`;

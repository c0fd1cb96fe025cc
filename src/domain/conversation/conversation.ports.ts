import type { TimelineEntry } from '../customer/customer.types.js';
import type { IdentityService } from '../customer/identity.service.js';
import type { OutboxRequest } from '../outbox/outbox.types.js';
import type { TaskRepo } from '../task/task.types.js';
import type { BotCustomer, ConversationState, QuestionKey, StaffMember } from './conversation.types.js';

/** What the conversation handlers need of rules (implemented by RuleBook). */
export interface RuleMatcher {
  maybeRefresh(): Promise<void>;
  match(q: { storeId: number | null; where: 'dm' | 'group'; text: string; mentioned: boolean }):
    | { id: number; action: 'reply' | 'handoff' | 'ask'; actionArg: string | null; reply: string; cooldownSec: number; renderReply?(vars: Record<string, string | number>): string }
    | undefined;
}

/** Reply texts by key (implemented by ReplyTexts); a rule's own reply is rendered with `renderText`. */
export interface TemplatePort {
  render(key: string, storeId: number | null, vars: Record<string, string | number>): string | Promise<string>;
  renderText(text: string, vars: Record<string, string | number>): string;
}

export interface ConversationRepo {
  findConversation(key: string): Promise<ConversationState | undefined>;
  /** Conversations handed to a person and not yet taken by a rep, oldest hand-off first. */
  listNeedingHuman(limit: number): Promise<ConversationState[]>;
  /** Creates the row if missing and applies the patch. */
  upsertConversation(key: string, base: { account: string; kind: 'dm' | 'room'; targetId: string; customerId: number | null }, patch: Partial<Omit<ConversationState, 'key'>>, now: number): Promise<void>;
}

/** Staff among the bot's contacts, in memory (StaffDirectory). */
export interface StaffLookup {
  maybeRefresh(): Promise<void>;
  find(contactId: string): StaffMember | undefined;
}

export interface ContactDirectory {
  /** The customer of a bot contact if one is known; never creates. */
  findCustomerByContact(account: string, contactId: string): Promise<BotCustomer | undefined>;
  /** Sets the opt-out flag; true when it changed (so a confirmation goes out once). */
  setOptedOut(customerId: number, optedOut: boolean, now: number): Promise<boolean>;
  /** The bot contact id of a customer (for messages to them), if they ever wrote to the bot. */
  contactOf(account: string, customerId: number): Promise<string | undefined>;
  /** Customers of a store (or all) matching a name fragment or phone tail, newest first. */
  searchCustomers(q: { storeId: number | null; text: string; limit: number }): Promise<Array<BotCustomer & { phoneEnc: string | null; stage: string; tags: string[] }>>;
}

export interface SurveyRepo {
  /** Stores the answer; false if this question about this ref was answered before. */
  insertAnswer(a: { customerId: number; storeId: number | null; question: QuestionKey; ref: string; value: string; score: number | null; answeredAt: number }): Promise<boolean>;
}

export interface TimelineWriter {
  insertTimelines(rows: TimelineEntry[]): Promise<void>;
}

export interface OutboxWriter {
  enqueue(reqs: OutboxRequest[]): Promise<unknown>;
}

/** A conversation handed to a person, as the notice to the rep (or the admins) describes it. */
export interface HandoffNotice {
  customerId: number;
  customerName: string;
  /** The customer's message that caused the hand-off, shortened. */
  excerpt: string;
  taskId: number | null;
  /** The whole notice as text (template handoff.rep), for where no richer form is available. */
  text: string;
}

/** WeCom app messages to staff (message/send). */
export interface StaffNotifier {
  /**
   * Tells staff a conversation needs a person: a card opening the customer in the mini-program
   * where one is linked to the WeCom app, else the text. Fails when WeCom takes neither.
   */
  handoff(userIds: string[], n: HandoffNotice): Promise<void>;
}

/** The name of a store for `{store}` in the bot's texts ('' for none); implemented by StoreNames. */
export interface StoreNameLookup {
  nameOf(storeId: number | null): Promise<string>;
}

/** Short-lived per-person state: rule cooldowns, consecutive misses. */
export interface Cooldowns {
  /** true when the key was free (and is now taken for ttlMs). */
  take(key: string, ttlMs: number): Promise<boolean>;
  incr(key: string, ttlMs: number): Promise<number>;
  reset(key: string): Promise<void>;
}

export interface ConversationDeps {
  rules: RuleMatcher;
  templates: TemplatePort;
  conversations: ConversationRepo;
  contacts: ContactDirectory;
  /** Finds or creates the person behind a bot contact (domain/customer/identity.service.ts). */
  people: Pick<IdentityService, 'resolveOne'>;
  staff: StaffLookup;
  surveys: SurveyRepo;
  tasks: TaskRepo;
  timeline: TimelineWriter;
  outbox: OutboxWriter;
  notifier: StaffNotifier;
  cooldowns: Cooldowns;
  storeNames: StoreNameLookup;
  /** Masks a stored (encrypted) phone for display, e.g. 138****0000. */
  maskPhone(phoneEnc: string | null): string;
}

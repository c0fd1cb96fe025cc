import type { TagRef } from '../tag/tag.types.js';
import type { QuestionKey } from '../conversation/conversation.types.js';
import type { OutboxRequest } from '../outbox/outbox.types.js';
import type { Journey, JourneyRun, RunStatus, TemplateAttempt, Touch, TouchChannel, TouchDelivery, TouchKind, TouchStatus, Trigger } from './journey.types.js';

export interface JourneyRepo {
  listJourneys(): Promise<Journey[]>;
  findJourney(id: number): Promise<Journey | undefined>;
  findJourneyByKey(key: string): Promise<Journey | undefined>;
  insertJourney(j: Omit<Journey, 'id'>): Promise<number>;
  updateJourney(id: number, patch: Partial<Omit<Journey, 'id' | 'createdAt'>>): Promise<void>;
  listEnabledByTrigger(trigger: Trigger): Promise<Journey[]>;
  /** Inserts unless (journey, customer, trigger ref) exists; the id, or undefined when it existed. */
  insertRun(r: Omit<JourneyRun, 'id' | 'status' | 'stepIndex'>): Promise<number | undefined>;
  lastEnteredAt(journeyId: number, customerId: number): Promise<number | undefined>;
  findRun(id: number): Promise<JourneyRun | undefined>;
  claimDueRuns(owner: string, now: number, leaseUntil: number, limit: number): Promise<JourneyRun[]>;
  /** Moves a run still at `fromStep` and leased by `owner`; false when someone else moved it. */
  advanceRun(id: number, owner: string, fromStep: number, patch: { stepIndex: number; nextAt: number; status?: RunStatus; exitReason?: string | null; endedAt?: number | null }): Promise<boolean>;
  /** The run's goal was reached (whatever step it is at): it ends as goal_reached. */
  markGoalReached(id: number, at: number): Promise<void>;
  /** Inserts unless the idempotency key exists. */
  insertTouch(t: { idemKey: string; runId: number | null; journeyId: number | null; customerId: number; storeId: number | null; stepIndex: number; kind: TouchKind; payload: Touch['payload']; marketing: boolean; dueAt: number; createdAt: number }): Promise<void>;
  claimDueTouches(owner: string, now: number, leaseUntil: number, limit: number): Promise<Touch[]>;
  finishTouch(id: number, owner: string, patch: { status: TouchStatus; channel?: TouchChannel | null; delivery?: TouchDelivery | null; skipReason?: string | null; ref?: string | null; sentAt?: number | null; lastError?: string | null; attempts?: number; dueAt?: number; deferrals?: number }): Promise<boolean>;
  /**
   * Records (or clears, with null) the template call about to be made for a touch, only while
   * `owner` still holds its lease; false when the lease was lost (the call must not be made).
   */
  markTemplateAttempt(id: number, owner: string, attempt: TemplateAttempt | null): Promise<boolean>;
  /** Which of these refs (`msg:<msgid>`) some touch already holds. */
  listTakenRefs(refs: string[]): Promise<Set<string>>;
  /** Marketing touches sent to each customer since the start of today and in the last 7 days (absent: none). */
  countMarketingSent(customerIds: number[], since: { today: number; week: number }): Promise<Map<number, { today: number; week: number }>>;
  /** Touches delivered to each customer through WeCom mass messages (add_msg_template) since `since`. */
  countTemplateSent(customerIds: number[], since: number): Promise<Map<number, number>>;
  /** Template touches still awaiting their result, sent since `sentSince` and last checked before `checkedBefore` (never checked first). */
  listAwaitingTemplates(q: { sentSince: number; checkedBefore: number; limit: number }): Promise<Array<{ id: number; customerId: number; ref: string }>>;
  /** Records a poll: the touches' outcome when WeCom knows it, else only when they were checked. */
  setTemplateDelivery(id: number, p: { delivery: TouchDelivery; checkedAt: number; deliveredAt?: number | null; reason?: string | null }): Promise<void>;
}

/** WeCom's results of a mass message (群发), read back because WeCom sends no callback for them. */
export interface MassMessageResults {
  /** Per sender of the message: whether they confirmed (sent) it in their WeCom client. */
  tasks(msgid: string): Promise<Array<{ userid: string; sent: boolean }>>;
  /** Per recipient of one sender: 0 not sent, 1 sent, 2 failed (not a friend), 3 failed (receive cap reached). */
  sendResults(msgid: string, userid: string): Promise<Array<{ externalUserId: string; status: number; sendTime: number | null }>>;
  /**
   * The mass messages to customers created through the API (filter_type 0) between `from` and
   * `to` (ms; WeCom allows at most a month), every page read: WeCom's get_groupmsg_list_v2.
   * WeCom does not return the creator of API-created messages, so the sender is asked with
   * tasks() and the recipient with sendResults().
   */
  listCreated(range: { from: number; to: number }): Promise<Array<{ msgid: string; createdAt: number; text: string }>>;
}

/** Where tag and segment triggers come from: rows written by other parts, read in order. */
export interface TriggerSources {
  /** Customers given this tag (by name) after `since` (ms), oldest first. */
  /**
   * Tag rows of this name written after the cursor, in (created_at, customer_id, tag_id) order:
   * a total order, so a page boundary inside a bulk tagging (thousands of rows with one
   * timestamp) neither skips nor repeats rows.
   */
  listTagAdds(tagName: string, after: TagCursor, limit: number): Promise<Array<{ customerId: number; storeId: number | null; tagId: number; at: number }>>;
  /** Customers who entered this RFM segment, history rows after `afterId`, in id order. */
  listSegmentEntries(segment: string, afterId: number, limit: number): Promise<Array<{ id: number; customerId: number; storeId: number | null; runId: number }>>;
}

/** How far each journey's trigger scan got (kept in the cache; losing it only rescans). */
export interface TriggerCursors {
  get(journeyId: number): Promise<string | undefined>;
  set(journeyId: number, value: string): Promise<void>;
}

/** Where a tag_added scan got to: the last row read, by its sort key. */
export interface TagCursor {
  at: number;
  customerId: number;
  tagId: number;
}

export const encodeTagCursor = (c: TagCursor) => `${c.at}:${c.customerId}:${c.tagId}`;

/** Reads a stored cursor; a bare number (the older format) was a created_at reached. */
export function decodeTagCursor(v: string | undefined, fallbackAt: number): TagCursor {
  const parts = (v ?? '').split(':').map(Number);
  if (parts.length === 3 && parts.every(Number.isFinite)) return { at: parts[0]!, customerId: parts[1]!, tagId: parts[2]! };
  const at = v !== undefined && Number.isFinite(Number(v)) ? Number(v) : fallbackAt;
  // Everything at `at` itself was read by the older scan (created_at > at), so start past it.
  return { at, customerId: Number.MAX_SAFE_INTEGER, tagId: Number.MAX_SAFE_INTEGER };
}

/** A store's own quiet hours ("HH:MM"), when it has set them. */
export interface StoreSettings {
  quietHours(storeId: number): Promise<{ from: string; to: string } | undefined>;
  /**
   * A change counter shared by every process, bumped whenever a store's settings change (the
   * admin API runs in another process than the engine). A different number drops the engine's
   * copies. Without it a change shows up within a minute.
   */
  version?(): Promise<number>;
}

/** What journeys read about a customer. */
export interface CustomerFact {
  id: number;
  storeId: number | null;
  name: string;
  ownerUserId: string | null;
  optedOut: boolean;
  mergedInto: number | null;
  /** The person's data was erased on request: nothing reaches them any more. */
  erased: boolean;
  externalUserId: string | null;
}

export interface CustomerFacts {
  /** The customers of one claimed batch, read together. */
  findMany(customerIds: number[]): Promise<Map<number, CustomerFact>>;
  boughtSince(customerId: number, since: number): Promise<boolean>;
  repliedSince(customerId: number, since: number): Promise<boolean>;
  hasTag(customerId: number, tag: string): Promise<boolean>;
  segmentOf(customerId: number): Promise<string | null>;
}

/** The rungs of the delivery ladder and the other things a step does. */
export interface JourneyActions {
  /** Bot contact ids of the customers that have chatted with the bot. */
  botContactsOf(customerIds: number[]): Promise<Map<number, string>>;
  enqueueBot(req: OutboxRequest): Promise<void>;
  /**
   * add_msg_template through the rep: a task in their WeCom client. Returns WeCom's msgid, or
   * undefined when WeCom will not deliver to this customer (not the rep's contact, over its cap).
   */
  sendTemplate(p: { sender: string; externalUserId: string; text: string }): Promise<string | undefined>;
  /**
   * Starts a question in the customer's bot chat. `ref` ties the answer to the touch; the
   * question goes out as the outbox row `outboxKey` (the touch's key, as for messages, so
   * delivery is counted the same way and a retried touch enqueues once).
   */
  ask(customerId: number, question: QuestionKey, ref: string, outboxKey: string): Promise<void>;
  /**
   * Records a coupon given to the customer (coupon_claims, like the landing page's, without a
   * channel); once per customer and offer. Returns the code on record: `code`, or the one given before.
   */
  claimCoupon(c: { customerId: number; offerKey: string; code: string; at: number }): Promise<string>;
  createTask(t: { customerId: number; storeId: number | null; staffUserId: string; title: string; dueAt: number; sourceKey: string }): Promise<number>;
  /**
   * A `tag` step: adds and removes these tags (group and name, parsed from the step's `组:名`
   * text) as the journey, with a timeline entry; behaviour tags are refused (journeyProblems
   * keeps them out of steps).
   */
  changeTags(customerId: number, change: { add: TagRef[]; remove: TagRef[] }, journeyId: number): Promise<void>;
}

/** The texts of the rep tasks a touch falls back to (the bot's template book: operators can override them per store). */
export interface JourneyTexts {
  render(key: 'task.journey.message' | 'task.journey.nps' | 'task.journey.birthday', storeId: number | null, vars: Record<string, string>): string;
  /** Picks up texts edited by another process (cheap: asks at most every few seconds). */
  maybeRefresh(): Promise<void>;
}

import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { shanghaiDay } from '../../shared/shanghai-time.js';
import type { TimelineEntry } from '../customer/customer.types.js';
import type { ConversationRef } from '../outbox/outbox.types.js';
import type { ConversationDeps } from './conversation.ports.js';
import type { InboundMessage } from './conversation.types.js';
import { spamReason } from './spam.js';

export interface RoomActivityRepo {
  /** Adds to the day's join/leave counts of a room. */
  addCounts(roomId: string, day: string, joins: number, leaves: number): Promise<void>;
  /** One more strike for this member in this room; returns the new count. */
  addStrike(roomId: string, contactId: string, now: number): Promise<number>;
  markRemoved(roomId: string, contactId: string, now: number): Promise<void>;
}

/** Room pools (群活码) that count members; optional so the bot runs without any pool. */
export interface RoomMembership {
  recordJoin(roomId: string, n: number): Promise<unknown>;
  recordLeave(roomId: string, n: number): Promise<unknown>;
}

export interface GroupConfig {
  account: string;
  welcomeBatchMs: number;
  spamMaxStrikes: number;
  /** At most this many @mentions in one welcome; more joiners get more messages. */
  welcomeMaxMentions: number;
}

interface PendingWelcome {
  roomId: string;
  storeId: number | null;
  members: Array<{ id: string; name: string }>;
  dueAt: number;
}

/**
 * Group chats of the bot account: welcomes that @mention new members (batched when many join
 * at once), keyword replies when the bot is mentioned or a group rule matches, anti-spam
 * strikes (warn, then remove and tell the owner), and join/leave counts per room per day.
 */
export class GroupService {
  private readonly pending = new Map<string, PendingWelcome>();

  constructor(
    private readonly d: Pick<ConversationDeps, 'rules' | 'templates' | 'contacts' | 'staff' | 'outbox' | 'timeline' | 'cooldowns' | 'storeNames'> & {
      rooms: RoomActivityRepo;
      membership?: RoomMembership;
      clock: Clock;
      log: Logger;
      config: GroupConfig;
    },
  ) {}

  async handleGroupMessage(m: InboundMessage): Promise<void> {
    if (m.conversation.kind !== 'room') throw new Error('handleGroupMessage takes room messages');
    const { d } = this;
    const room = m.conversation;
    const now = d.clock.now();
    await d.staff.maybeRefresh();
    const staff = d.staff.find(m.talker.id);
    const customer = await d.contacts.findCustomerByContact(d.config.account, m.talker.id);
    const timeline: TimelineEntry[] = [];
    // Only people the store knows as customers get a timeline entry; a group has many strangers.
    if (customer) {
      timeline.push({ customerId: customer.id, kind: 'message_in', channelId: customer.firstChannelId, staffUserId: null, data: { via: 'room', roomId: room.roomId, kind: m.kind, text: m.text, messageId: m.id }, occurredAt: m.sentAt, sourceEventId: null });
    }
    try {
      const isStaff = !!staff || m.talker.coworker;
      const reason = isStaff ? undefined : spamReason(m.kind, m.text, m.imageHasQr);
      if (reason) return await this.strike(m, room, reason, now);
      if (m.kind !== 'text') return;
      await d.rules.maybeRefresh();
      const storeId = customer?.storeId ?? staff?.storeId ?? null;
      const rule = d.rules.match({ storeId, where: 'group', text: m.text, mentioned: m.mentionsBot });
      if (!rule || rule.action === 'ask') return;
      if (rule.cooldownSec > 0 && !(await d.cooldowns.take(`rule:${rule.id}:${room.roomId}:${m.talker.id}`, rule.cooldownSec * 1000))) return;
      // Hand-off rules answer in the group with their reply; the human follow-up happens 1:1.
      const vars = { name: m.talker.name, store: await d.storeNames.nameOf(storeId) };
      const text = rule.renderReply ? rule.renderReply(vars) : d.templates.renderText(rule.reply, vars);
      await this.say(room, text, [m.talker.id], 'reply', `r:${m.id}`, customer?.id ?? null);
      if (customer) timeline.push({ customerId: customer.id, kind: 'message_out', channelId: customer.firstChannelId, staffUserId: null, data: { via: 'room', roomId: room.roomId, by: 'bot', text }, occurredAt: now, sourceEventId: null });
    } finally {
      if (timeline.length) await d.timeline.insertTimelines(timeline);
    }
  }

  private async strike(m: InboundMessage, room: Extract<ConversationRef, { kind: 'room' }>, reason: string, now: number): Promise<void> {
    const { d } = this;
    const strikes = await d.rooms.addStrike(room.roomId, m.talker.id, now);
    const max = d.config.spamMaxStrikes;
    d.log.info({ roomId: room.roomId, contactId: m.talker.id, reason, strikes }, 'group spam strike');
    const vars = { name: m.talker.name, strikes, max, group: m.room?.topic ?? '' };
    if (strikes < max) {
      await this.say(room, await d.templates.render('spam.warn', null, vars), [m.talker.id], 'warn', `spam:${m.id}`, null);
      return;
    }
    await d.outbox.enqueue([{ account: d.config.account, to: room, action: 'remove', text: '', mentionIds: [m.talker.id], purpose: 'system', dedupeKey: `${d.config.account}:kick:${m.id}` }]);
    await this.say(room, await d.templates.render('spam.removed', null, vars), [], 'warn', `spam:${m.id}`, null);
    const owner = m.room?.ownerId;
    if (owner) {
      await this.say({ kind: 'dm', contactId: owner }, await d.templates.render('spam.owner', null, vars), [], 'system', `spam-owner:${m.id}`, null);
    }
    await d.rooms.markRemoved(room.roomId, m.talker.id, now);
  }

  /** People joined a room: counted now, welcomed together once the batch window closes. */
  async onJoin(roomId: string, members: Array<{ id: string; name: string }>, at: number): Promise<void> {
    const { d } = this;
    if (!members.length) return;
    // Queued before any await, so the welcome mentions people in the order they joined.
    const now = d.clock.now();
    const p = this.pending.get(roomId) ?? { roomId, storeId: null, members: [], dueAt: now + d.config.welcomeBatchMs };
    for (const x of members) if (!p.members.some((y) => y.id === x.id)) p.members.push(x);
    this.pending.set(roomId, p);
    await d.rooms.addCounts(roomId, dayOf(at), members.length, 0);
    await d.membership?.recordJoin(roomId, members.length).catch((e: Error) => d.log.warn({ roomId, err: e.message }, 'room pool not updated'));
    if (d.config.welcomeBatchMs === 0) await this.flushWelcomes();
  }

  async onLeave(roomId: string, members: Array<{ id: string }>, at: number): Promise<void> {
    const { d } = this;
    if (!members.length) return;
    await d.rooms.addCounts(roomId, dayOf(at), 0, members.length);
    await d.membership?.recordLeave(roomId, members.length).catch((e: Error) => d.log.warn({ roomId, err: e.message }, 'room pool not updated'));
    // Someone who left before their welcome went out is not greeted.
    const p = this.pending.get(roomId);
    if (p) p.members = p.members.filter((x) => !members.some((y) => y.id === x.id));
  }

  /**
   * Enqueues the welcomes whose batch window has closed (all of them with `all`). The bot calls
   * it on a short tick and on shutdown; a welcome still in its window when the process dies is
   * lost, which costs a greeting, not a customer record.
   */
  async flushWelcomes(all = false): Promise<number> {
    const { d } = this;
    const now = d.clock.now();
    let sent = 0;
    for (const [roomId, p] of [...this.pending]) {
      if (!all && p.dueAt > now) continue;
      this.pending.delete(roomId);
      for (let i = 0; i < p.members.length; i += d.config.welcomeMaxMentions) {
        const chunk = p.members.slice(i, i + d.config.welcomeMaxMentions);
        const text = await d.templates.render('group.welcome', p.storeId, { count: chunk.length });
        await this.say({ kind: 'room', roomId }, text, chunk.map((x) => x.id), 'welcome', `gw:${roomId}:${p.dueAt}:${i}`, null);
        sent++;
      }
    }
    return sent;
  }

  private async say(to: ConversationRef, text: string, mentionIds: string[], purpose: 'reply' | 'warn' | 'welcome' | 'system', key: string, customerId: number | null): Promise<void> {
    const acct = this.d.config.account;
    const dedupeKey = `${acct}:${key}`;
    await this.d.outbox.enqueue([{ account: acct, to, text, mentionIds, purpose, dedupeKey, customerId }]);
  }
}

const dayOf = (ms: number) => {
  const n = shanghaiDay(ms);
  return `${Math.floor(n / 10000)}-${String(Math.floor(n / 100) % 100).padStart(2, '0')}-${String(n % 100).padStart(2, '0')}`;
};

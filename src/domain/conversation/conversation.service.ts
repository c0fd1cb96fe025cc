import { AppError, notFound } from '../../shared/errors.js';
import { mayReceive } from '../customer/messaging-policy.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { TimelineEntry } from '../customer/customer.types.js';
import type { ConversationRef, OutboxPurpose } from '../outbox/outbox.types.js';
import type { ConversationDeps } from './conversation.ports.js';
import { conversationKey, type BotCustomer, type ConversationState, type InboundMessage, type QuestionKey } from './conversation.types.js';
import { parseAnswer } from './questions.js';
import { RepCommands } from './rep-commands.js';

export interface ConversationConfig {
  account: string;
  /** The corp whose WeCom external_userids the bot's contacts may carry. */
  corpId: string;
  standDownMs: number;
  handoffQuietMs: number;
  missesBeforeHandoff: number;
  questionTtlMs: number;
  /** Who hears about hand-offs of customers without an owner rep. */
  adminUserIds: string[];
  defaultRepUserId?: string;
  /** false: the deployment has no bot account (BOT_ENABLED=false), so nothing may be queued for it. */
  botEnabled?: boolean;
}

// Opt-out words are the ones Chinese carriers and WeChat users know; matched on the whole message.
const OPT_OUT = /^(?:退订|TD|T|取消订阅|退订消息)$/iu;
const OPT_IN = /^(?:恢复订阅|重新订阅)$/u;
const QUESTION_MAX_TRIES = 2;

const clean = (text: string) => text.normalize('NFKC').trim().replace(/[。.!！~～\s]+$/u, '');

/**
 * One-to-one conversations of the bot account: opt-out, answers to pending questions, keyword
 * rules, hand-off to the owner rep, stand-down while a rep is talking, and rep commands.
 * Every reply goes through the outbox with a key derived from the inbound message id, so
 * handling a message twice sends nothing twice.
 */
export class ConversationService {
  readonly reps: RepCommands;

  constructor(private readonly d: ConversationDeps & { clock: Clock; log: Logger; config: ConversationConfig }) {
    this.reps = new RepCommands({ ...d, say: (to, text, key) => this.say(to, text, { purpose: 'reply', dedupeKey: key, customerId: null }, []) });
  }

  /** A 1:1 message from someone other than the bot account. */
  async handleDirect(m: InboundMessage): Promise<void> {
    if (m.conversation.kind !== 'dm') throw new Error('handleDirect takes 1:1 messages');
    const { d } = this;
    const now = d.clock.now();
    await d.staff.maybeRefresh();
    const staff = d.staff.find(m.talker.id);
    if (staff) return this.reps.handle(staff, m);
    if (m.talker.coworker) {
      // A colleague the store has not registered: commands are for known staff only.
      await this.say(m.conversation, await d.templates.render('rep.unknown_staff', null, {}), { purpose: 'reply', dedupeKey: `r:${m.id}`, customerId: null }, []);
      return;
    }
    const customer = await this.customerOf(m);
    const key = conversationKey(d.config.account, m.conversation);
    const timeline: TimelineEntry[] = [this.entry(customer, 'message_in', { via: 'dm', kind: m.kind, text: m.text, messageId: m.id }, m.sentAt)];
    try {
      await this.decide(m, customer, key, now, timeline);
    } finally {
      await d.timeline.insertTimelines(timeline);
    }
  }

  /**
   * The customer this bot contact is. The first time they write: the customer who added a rep
   * with this WeCom external_userid if there is one (so chats land on the same record as the
   * add), otherwise a new customer (stage lead).
   */
  private async customerOf(m: InboundMessage): Promise<BotCustomer> {
    const { account, corpId } = this.d.config;
    const known = await this.d.contacts.findCustomerByContact(account, m.talker.id);
    if (known) return known;
    const ext = m.talker.externalUserId;
    await this.d.people.resolveOne({
      identities: [{ kind: 'bot_contact', scope: account, value: m.talker.id }, ...(ext ? [{ kind: 'wecom_external' as const, scope: corpId, value: ext }] : [])],
      facts: m.talker.name ? { name: { value: m.talker.name, source: 'wechat' } } : {},
    });
    const made = await this.d.contacts.findCustomerByContact(account, m.talker.id);
    if (!made) throw new Error('bot contact has no customer after resolving it');
    return made;
  }

  private async decide(m: InboundMessage, customer: BotCustomer, key: string, now: number, timeline: TimelineEntry[]): Promise<void> {
    const { d } = this;
    const text = clean(m.text);
    // The variables every text to a customer documents ({name} {store}).
    const who = { name: customer.name, store: await d.storeNames.nameOf(customer.storeId) };
    const reply = (tplKey: string, vars: Record<string, string | number>, purpose: OutboxPurpose = 'reply') =>
      this.renderAndSay(m, customer, tplKey, { ...who, ...vars }, purpose, timeline);

    if (m.kind === 'text' && OPT_OUT.test(text)) {
      if (await d.contacts.setOptedOut(customer.id, true, now)) {
        timeline.push(this.entry(customer, 'opted_out', { via: 'dm', messageId: m.id }, now));
        await reply('optout.confirm', { name: customer.name }, 'system');
      }
      return;
    }
    if (m.kind === 'text' && OPT_IN.test(text)) {
      if (await d.contacts.setOptedOut(customer.id, false, now)) {
        timeline.push(this.entry(customer, 'opted_in', { via: 'dm', messageId: m.id }, now));
        await reply('optin.confirm', { name: customer.name }, 'system');
      }
      return;
    }

    const conv = await d.conversations.findConversation(key);
    await d.rules.maybeRefresh();
    const rule = m.kind === 'text' ? d.rules.match({ storeId: customer.storeId, where: 'dm', text: m.text, mentioned: true }) : undefined;

    if (conv?.pendingQuestion && (conv.pendingUntil ?? 0) > now) {
      const q = conv.pendingQuestion;
      const a = parseAnswer(q, text, new Date(now).getUTCFullYear());
      if (a.ok) {
        const fresh = await d.surveys.insertAnswer({ customerId: customer.id, storeId: customer.storeId, question: q, ref: conv.pendingRef ?? '', value: a.value, score: a.score, answeredAt: now });
        await this.upsert(key, m.conversation, customer.id, { pendingQuestion: null, pendingRef: null, pendingTries: 0, pendingUntil: null }, now);
        if (fresh) timeline.push(this.entry(customer, 'survey_answered', { question: q, ref: conv.pendingRef ?? '', value: a.value }, now));
        await reply(`ask.${q}.thanks`, { name: customer.name, score: a.value, birthday: a.value });
        return;
      }
      // Something else than an answer: a rule may still answer it, and the question waits.
      if (!rule) {
        const tries = conv.pendingTries + 1;
        const giveUp = tries >= QUESTION_MAX_TRIES;
        await this.upsert(key, m.conversation, customer.id, giveUp ? { pendingQuestion: null, pendingRef: null, pendingTries: 0, pendingUntil: null } : { pendingTries: tries }, now);
        if (!giveUp) {
          await reply(`ask.${q}.invalid`, { name: customer.name });
          return;
        }
      }
    }

    if (conv?.quietUntil && conv.quietUntil > now) return;

    if (rule) {
      if (rule.cooldownSec > 0 && !(await d.cooldowns.take(`rule:${rule.id}:${m.talker.id}`, rule.cooldownSec * 1000))) return;
      await d.cooldowns.reset(`miss:${key}`);
      if (rule.action === 'handoff') return this.handoff(m, customer, key, now, timeline, 'rule');
      if (rule.action === 'ask' && (rule.actionArg === 'nps' || rule.actionArg === 'birthday')) {
        await this.upsert(key, m.conversation, customer.id, { pendingQuestion: rule.actionArg, pendingRef: `rule:${rule.id}`, pendingTries: 0, pendingUntil: now + d.config.questionTtlMs }, now);
      }
      const text = rule.renderReply ? rule.renderReply(who) : d.templates.renderText(rule.reply, who);
      await this.say(m.conversation, text, { purpose: 'reply', dedupeKey: `r:${m.id}`, customerId: customer.id }, timeline, customer);
      return;
    }

    const misses = await d.cooldowns.incr(`miss:${key}`, d.config.handoffQuietMs);
    if (misses >= d.config.missesBeforeHandoff) {
      await d.cooldowns.reset(`miss:${key}`);
      return this.handoff(m, customer, key, now, timeline, 'unanswered');
    }
    await reply('fallback', { name: customer.name });
  }

  /**
   * Hands the conversation to a person: marks it, keeps the bot quiet, gives the owner rep a
   * task and a WeCom app message (admins when nobody owns the customer), tells the customer.
   */
  private async handoff(m: InboundMessage, customer: BotCustomer, key: string, now: number, timeline: TimelineEntry[], reason: 'rule' | 'unanswered'): Promise<void> {
    const { d } = this;
    const owner = customer.ownerUserId ?? d.config.defaultRepUserId ?? null;
    await this.upsert(key, m.conversation, customer.id, { needsHuman: true, handoffAt: now, quietUntil: now + d.config.handoffQuietMs }, now);
    const vars = { customer: customer.name || '客户', text: excerpt(m.text, 60), customerId: customer.id, store: await d.storeNames.nameOf(customer.storeId) };
    let taskId: number | null = null;
    if (owner) {
      taskId = await d.tasks.insertTask({
        storeId: customer.storeId,
        customerId: customer.id,
        staffUserId: owner,
        kind: 'handoff',
        title: await d.templates.render('task.handoff', customer.storeId, vars),
        dueAt: now,
        createdAt: now,
        sourceKey: `handoff:${m.id}`,
      });
    }
    timeline.push(this.entry(customer, 'handoff', { reason, owner, taskId, messageId: m.id }, now));
    const to = owner ? [owner] : d.config.adminUserIds;
    if (to.length) {
      const text = await d.templates.render('handoff.rep', customer.storeId, { ...vars, task: taskId ?? '' });
      // The task is the durable record; a failed notice is logged and the rep still sees the task.
      const notice = { customerId: customer.id, customerName: vars.customer, excerpt: vars.text, taskId, text };
      await d.notifier.handoff(to, notice).catch((e: Error) => d.log.warn({ err: e.message, customerId: customer.id }, 'hand-off notice not sent'));
    } else {
      d.log.warn({ customerId: customer.id }, 'hand-off without an owner rep or admins to tell');
    }
    await this.renderAndSay(m, customer, 'handoff.customer', { name: customer.name, store: vars.store }, 'reply', timeline);
  }

  /**
   * A message the bot account's human user typed (not one Siyu sent): a rep is talking here,
   * so the bot keeps quiet for the stand-down time and the hand-off is taken.
   */
  async onRepSpoke(to: ConversationRef, text: string, at: number): Promise<void> {
    if (to.kind !== 'dm') return;
    const { d } = this;
    const now = d.clock.now();
    const customer = await d.contacts.findCustomerByContact(d.config.account, to.contactId);
    const key = conversationKey(d.config.account, to);
    await this.upsert(key, to, customer?.id ?? null, { needsHuman: false, quietUntil: now + d.config.standDownMs }, now);
    if (customer) await d.timeline.insertTimelines([this.entry(customer, 'message_out', { via: 'dm', by: 'rep', text }, at)]);
  }

  /**
   * Asks a customer a multi-step question (NPS 0-10, birthday) in their 1:1 chat with the bot.
   * Automated outreach: refused for opted-out customers. Idempotent on (customer, question, ref);
   * a caller with a key of its own for the message (a journey touch) passes it as `outboxKey`,
   * which must then be unique to that ask.
   */
  async ask(customerId: number, question: QuestionKey, ref = '', o: { outboxKey?: string } = {}): Promise<{ outboxKey: string }> {
    const { d } = this;
    // An outbox row for a bot that never runs would wait forever, and the caller would think it asked.
    if (d.config.botEnabled === false) throw new AppError('BOT.DISABLED', '未配置机器人账号，无法通过机器人向客户提问', { status: 409 });
    const now = d.clock.now();
    const contactId = await d.contacts.contactOf(d.config.account, customerId);
    if (!contactId) throw notFound('CONVERSATION.NO_CONTACT', '该客户还没有和机器人账号聊过，无法发起提问');
    const customer = await d.contacts.findCustomerByContact(d.config.account, contactId);
    if (!customer) throw notFound('CUSTOMER.NOT_FOUND', '客户不存在');
    if (!mayReceive(customer, 'marketing')) throw new AppError('CUSTOMER.OPTED_OUT', '该客户已退订，不能发送自动消息', { status: 409 });
    const to: ConversationRef = { kind: 'dm', contactId };
    await this.upsert(conversationKey(d.config.account, to), to, customerId, { pendingQuestion: question, pendingRef: ref, pendingTries: 0, pendingUntil: now + d.config.questionTtlMs }, now);
    const outboxKey = o.outboxKey ?? this.accountKey(`ask:${customerId}:${question}:${ref}`);
    const timeline: TimelineEntry[] = [];
    await this.say(to, await d.templates.render(`ask.${question}`, customer.storeId, { name: customer.name, store: await d.storeNames.nameOf(customer.storeId) }), { purpose: 'marketing', outboxKey, customerId }, timeline, customer);
    await d.timeline.insertTimelines(timeline);
    return { outboxKey };
  }

  needingHuman(limit: number): Promise<ConversationState[]> {
    return this.d.conversations.listNeedingHuman(limit);
  }

  async conversation(to: ConversationRef): Promise<ConversationState | undefined> {
    return this.d.conversations.findConversation(conversationKey(this.d.config.account, to));
  }

  private async renderAndSay(m: InboundMessage, customer: BotCustomer, tplKey: string, vars: Record<string, string | number>, purpose: OutboxPurpose, timeline: TimelineEntry[]) {
    const text = await this.d.templates.render(tplKey, customer.storeId, vars);
    await this.say(m.conversation, text, { purpose, dedupeKey: `r:${m.id}`, customerId: customer.id }, timeline, customer);
  }

  private async say(
    to: ConversationRef,
    text: string,
    o: { purpose: OutboxPurpose; customerId: number | null } & ({ dedupeKey: string } | { outboxKey: string }),
    timeline: TimelineEntry[],
    customer?: BotCustomer,
  ): Promise<void> {
    const dedupeKey = 'outboxKey' in o ? o.outboxKey : this.accountKey(o.dedupeKey);
    await this.d.outbox.enqueue([{ account: this.d.config.account, to, text, purpose: o.purpose, dedupeKey, customerId: o.customerId }]);
    if (customer) timeline.push(this.entry(customer, 'message_out', { via: to.kind, by: 'bot', text, outboxKey: dedupeKey }, this.d.clock.now()));
  }

  /** Keys of what the bot says are per account: two bot accounts may see the same message id. */
  private accountKey(key: string): string {
    return `${this.d.config.account}:${key}`;
  }

  private upsert(key: string, to: ConversationRef, customerId: number | null, patch: Partial<Omit<ConversationState, 'key'>>, now: number) {
    const targetId = to.kind === 'dm' ? to.contactId : to.roomId;
    return this.d.conversations.upsertConversation(key, { account: this.d.config.account, kind: to.kind, targetId, customerId }, patch, now);
  }

  private entry(c: BotCustomer, kind: TimelineEntry['kind'], data: Record<string, unknown>, at: number): TimelineEntry {
    return { customerId: c.id, kind, channelId: c.firstChannelId, staffUserId: null, data, occurredAt: at, sourceEventId: null };
  }
}

export function excerpt(text: string, max: number): string {
  const s = text.replace(/\s+/gu, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

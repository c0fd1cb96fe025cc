import type { Cooldowns, RuleMatcher, TemplatePort } from '../../domain/conversation/conversation.ports.js';
import { ConversationService } from '../../domain/conversation/conversation.service.js';
import type { TemplateKey } from '../../domain/conversation/default-templates.js';
import { GroupService } from '../../domain/conversation/group.service.js';
import { BotRuleService, RuleBook } from '../../domain/conversation/rules.js';
import { TemplateBook } from '../../domain/conversation/templates.js';
import { OutboxService } from '../../domain/outbox/outbox.service.js';
import { RoomPoolService } from '../../domain/room/room-pool.service.js';
import { StaffDirectory } from '../../domain/staff/staff-directory.js';
import { StoreNames } from '../../domain/store/store-names.js';
import { renderText } from '../../domain/template/template-engine.js';
import { WecomStaffNotifier } from '../../integrations/wecom/staff-notifier.js';
import { CacheVersion } from '../../shared/cache-version.js';
import { maskMobile } from '../../shared/pii.js';
import { BotRuleStore } from '../../store/bot-rule.store.js';
import { BotTemplateStore } from '../../store/bot-template.store.js';
import { batchedBotWrites } from '../../store/bot-writes.js';
import { MemoryCache } from '../../store/cache/memory-cache.js';
import { ConversationStore } from '../../store/conversation.store.js';
import { CustomerOptOutStore, OutboxStore } from '../../store/outbox.store.js';
import { RoomActivityStore } from '../../store/room-activity.store.js';
import { RoomPoolStore, roomPoolTransactor } from '../../store/room-pool.store.js';
import { StaffStore } from '../../store/staff.store.js';
import { StoresStore } from '../../store/stores.store.js';
import { TaskStore } from '../../store/task.store.js';
import type { ChannelParts } from './channels.js';
import type { Platform } from './platform.js';
import type { WecomParts } from './wecom.js';

/**
 * The bot's side: keyword rules and texts (as data), one-to-one and group conversations, the
 * paced outbox, customer-group live codes and the staff directory. The bot role feeds and drains
 * these; rules live in domain/conversation, domain/outbox, domain/room and domain/staff.
 */
export function wireConversations(p: Platform, w: WecomParts, c: ChannelParts) {
  const { db, cache, keys, clock, log, config, closers } = p;
  const roomPools = new RoomPoolService({
    pools: new RoomPoolStore(db),
    tx: roomPoolTransactor(db),
    joinWays: w.groupChat,
    clock,
    log: log.child({ module: 'room-pools' }),
  });
  const botRuleStore = new BotRuleStore(db);
  const ruleVersion = new CacheVersion(cache, keys.botVersion('rules'));
  const rules = new RuleBook({ rules: botRuleStore, version: ruleVersion, clock, log: log.child({ module: 'bot-rules' }) });
  const botRules = new BotRuleService({ rules: botRuleStore, version: ruleVersion, clock, storeExists: c.storeExists });
  const templates = new TemplateBook({
    templates: new BotTemplateStore(db),
    version: new CacheVersion(cache, keys.botVersion('templates')),
    clock,
    log: log.child({ module: 'bot-templates' }),
    storeExists: c.storeExists,
  });
  const outbox = new OutboxService({ repo: new OutboxStore(db), optOut: new CustomerOptOutStore(db), clock });
  const conversationStore = new ConversationStore(db, () => clock.now());
  const botWrites = batchedBotWrites(db, clock);
  const roomActivity = new RoomActivityStore(db);
  const staffDirectory = new StaffDirectory({ staff: new StaffStore(db), version: new CacheVersion(cache, keys.botVersion('staff')), clock, log: log.child({ module: 'staff' }) });
  // Cooldowns and unanswered-in-a-row counts belong to the one bot process of the account, so
  // they live in its memory (a restart forgets them: a reply may come once more, nothing else).
  const botMemory = new MemoryCache(clock);
  closers.push(() => botMemory.close());
  const botKeys = (k: string) => keys.botState(config.bot.account, k);
  const cooldowns: Cooldowns = {
    take: (k, ttlMs) => botMemory.setIfAbsent(botKeys(k), '1', ttlMs),
    incr: (k, ttlMs) => botMemory.incr(botKeys(k), ttlMs),
    reset: (k) => botMemory.del(botKeys(k)),
  };
  const templatePort: TemplatePort = {
    render: (k, storeId, vars) => templates.render(k as TemplateKey, storeId, vars),
    renderText,
  };
  const storeNames = new StoreNames({ repo: new StoresStore(db), clock });
  const botLog = log.child({ module: 'conversations', account: config.bot.account });
  const rulePort: RuleMatcher = {
    // Texts reload on the same beat as rules, so an edited text shows up as fast.
    maybeRefresh: () => Promise.all([rules.maybeRefresh(), templates.maybeRefresh()]).then(() => undefined),
    match: (q) => rules.match(q),
  };
  const conversations = new ConversationService({
    rules: rulePort,
    templates: templatePort,
    conversations: conversationStore,
    contacts: conversationStore,
    people: c.people,
    staff: staffDirectory,
    surveys: conversationStore,
    tasks: new TaskStore(db),
    timeline: botWrites.timeline,
    outbox: botWrites.outbox,
    notifier: new WecomStaffNotifier({ api: w.appMessages, miniAppId: config.wecom.linkedMiniAppId, log: botLog }),
    cooldowns,
    storeNames,
    maskPhone: (enc) => (enc ? maskMobile(c.pii.decrypt(enc)) : '未留手机号'),
    clock,
    log: botLog,
    config: {
      account: config.bot.account,
      corpId: config.wecom.corpId,
      standDownMs: config.bot.standDownMin * 60_000,
      handoffQuietMs: config.bot.handoffQuietMin * 60_000,
      missesBeforeHandoff: config.bot.missesBeforeHandoff,
      questionTtlMs: config.bot.questionTtlHours * 3600_000,
      adminUserIds: config.bot.adminUserIds,
      defaultRepUserId: config.bot.defaultRepUserId,
    },
  });
  const groups = new GroupService({
    rules: rulePort,
    templates: templatePort,
    contacts: conversationStore,
    staff: staffDirectory,
    outbox: botWrites.outbox,
    timeline: botWrites.timeline,
    cooldowns,
    storeNames,
    rooms: roomActivity,
    membership: roomPools,
    clock,
    log: botLog,
    config: { account: config.bot.account, welcomeBatchMs: config.bot.groupWelcomeBatchMs, spamMaxStrikes: config.bot.spamMaxStrikes, welcomeMaxMentions: 20 },
  });
  return { roomPools, rules, botRules, templates, outbox, conversationStore, roomActivity, staffDirectory, conversations, groups };
}

export type ConversationParts = ReturnType<typeof wireConversations>;

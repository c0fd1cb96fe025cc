import type { Cooldowns, RuleMatcher, TemplatePort } from '../../domain/conversation/conversation.ports.js';
import { ConversationService } from '../../domain/conversation/conversation.service.js';
import type { ReplyTextKey } from '../../domain/conversation/default-reply-texts.js';
import { GroupService } from '../../domain/conversation/group.service.js';
import { BotRuleService, RuleBook } from '../../domain/conversation/rules.js';
import { ReplyTexts } from '../../domain/conversation/reply-texts.js';
import { OutboxService } from '../../domain/outbox/outbox.service.js';
import { RoomPoolService } from '../../domain/room/room-pool.service.js';
import { StaffDirectory } from '../../domain/staff/staff-directory.js';
import { StoreNames } from '../../domain/store/store-names.js';
import { renderText } from '../../domain/template/template-engine.js';
import { WecomStaffNotifier } from '../../integrations/wecom/staff-notifier.js';
import { CacheVersion } from '../../shared/cache-version.js';
import { maskMobile } from '../../shared/pii.js';
import { SqlBotRuleRepo } from '../../persistence/bot-rule.repo.js';
import { SqlReplyTextRepo } from '../../persistence/bot-template.repo.js';
import { batchedBotWrites } from '../../persistence/bot-writes.js';
import { MemoryCache } from '../../persistence/cache/memory-cache.js';
import { SqlConversationRepo } from '../../persistence/conversation.repo.js';
import { SqlCustomerOptOutRepo, SqlOutboxRepo } from '../../persistence/outbox.repo.js';
import { SqlRoomActivityRepo } from '../../persistence/room-activity.repo.js';
import { SqlRoomPoolRepo, roomPoolTransactor } from '../../persistence/room-pool.repo.js';
import { SqlStaffRepo } from '../../persistence/staff.repo.js';
import { SqlStoreRepo } from '../../persistence/store.repo.js';
import { SqlTaskRepo } from '../../persistence/task.repo.js';
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
    pools: new SqlRoomPoolRepo(db),
    tx: roomPoolTransactor(db),
    joinWays: w.groupChat,
    clock,
    log: log.child({ module: 'room-pools' }),
  });
  const botRuleRepo = new SqlBotRuleRepo(db);
  const ruleVersion = new CacheVersion(cache, keys.botVersion('rules'));
  const rules = new RuleBook({ rules: botRuleRepo, version: ruleVersion, clock, log: log.child({ module: 'bot-rules' }) });
  const botRules = new BotRuleService({ rules: botRuleRepo, version: ruleVersion, clock, storeExists: c.storeExists });
  const templates = new ReplyTexts({
    templates: new SqlReplyTextRepo(db),
    version: new CacheVersion(cache, keys.botVersion('templates')),
    clock,
    log: log.child({ module: 'bot-templates' }),
    storeExists: c.storeExists,
  });
  const outbox = new OutboxService({ repo: new SqlOutboxRepo(db), optOut: new SqlCustomerOptOutRepo(db), clock });
  const conversationRepo = new SqlConversationRepo(db, () => clock.now());
  const botWrites = batchedBotWrites(db, clock);
  const roomActivity = new SqlRoomActivityRepo(db);
  const staffDirectory = new StaffDirectory({ staff: new SqlStaffRepo(db), version: new CacheVersion(cache, keys.botVersion('staff')), clock, log: log.child({ module: 'staff' }) });
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
    render: (k, storeId, vars) => templates.render(k as ReplyTextKey, storeId, vars),
    renderText,
  };
  const storeNames = new StoreNames({ repo: new SqlStoreRepo(db), clock });
  const botLog = log.child({ module: 'conversations', account: config.bot.account });
  const rulePort: RuleMatcher = {
    // Texts reload on the same beat as rules, so an edited text shows up as fast.
    maybeRefresh: () => Promise.all([rules.maybeRefresh(), templates.maybeRefresh()]).then(() => undefined),
    match: (q) => rules.match(q),
  };
  const conversations = new ConversationService({
    rules: rulePort,
    templates: templatePort,
    conversations: conversationRepo,
    contacts: conversationRepo,
    people: c.people,
    staff: staffDirectory,
    surveys: conversationRepo,
    tasks: new SqlTaskRepo(db),
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
      botEnabled: config.bot.enabled,
    },
  });
  const groups = new GroupService({
    rules: rulePort,
    templates: templatePort,
    contacts: conversationRepo,
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
  return { roomPools, rules, botRules, templates, outbox, conversationRepo, roomActivity, staffDirectory, conversations, groups };
}

export type ConversationParts = ReturnType<typeof wireConversations>;

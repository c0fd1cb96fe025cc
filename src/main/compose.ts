import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import { AcquisitionService } from '../domain/acquisition/acquisition.service.js';
import { EventProcessor } from '../domain/acquisition/event-processor.js';
import { ChannelService } from '../domain/channel/channel.service.js';
import { ChannelLookup } from '../domain/channel/channel-lookup.js';
import { CustomerService } from '../domain/customer/customer.service.js';
import { TagService } from '../domain/tag/tag.service.js';
import { LandingService } from '../domain/landing/landing.service.js';
import { FunnelService } from '../domain/report/funnel.service.js';
import { MediaService } from '../domain/media/media.service.js';
import { mediaRoutes } from '../http/routes/media.routes.js';
import { isUnavailable } from '../store/db-errors.js';
import { MediaStore } from '../store/media.store.js';
import { MergeService } from '../domain/customer/merge.service.js';
import { mergeTransactor } from '../store/customer-merge.store.js';
import { funnelRoutes } from '../http/routes/funnel.routes.js';
import { channelQrRoutes } from '../http/routes/channel-qr.routes.js';
import { RenderCache } from '../integrations/qr/index.js';
import { FunnelStore } from '../store/funnel.store.js';
import { FormTokens } from '../http/form-token.js';
import { landingRoutes, scanPage } from '../http/routes/landing.routes.js';
import { PiiCipher } from '../shared/pii.js';
import { CacheMutex, CacheRateLimiter } from '../store/cache/rate-limiter.js';
import { LandingStore, landingTransactor } from '../store/landing.store.js';
import { createHmac } from 'node:crypto';
import { createHttpApp } from '../http/app.js';
import { channelRoutes } from '../http/routes/channels.routes.js';
import { customerRoutes } from '../http/routes/customers.routes.js';
import { healthRoutes } from '../http/routes/health.routes.js';
import { sandboxRoutes } from '../http/routes/sandbox.routes.js';
import { createWecomCallbackHandler } from '../http/wecom-callback.handler.js';
import { createLandingScanHandler } from '../http/landing-scan.handler.js';
import { WecomClient } from '../integrations/wecom/api-client.js';
import { toContactEvent } from '../integrations/wecom/callback.js';
import { WecomContactApi } from '../integrations/wecom/contact-api.js';
import { CallbackCrypto } from '../integrations/wecom/crypto.js';
import { WecomEmulator } from '../integrations/wecom/emulator/index.js';
import { WecomGateways } from '../integrations/wecom/gateways.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { isAppError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { createMetrics, type Metrics } from '../shared/metrics.js';
import type { Cache } from '../store/cache/cache.js';
import { createCache } from '../store/cache/create-cache.js';
import { MemoryCache } from '../store/cache/memory-cache.js';
import { cacheKeys, TTL } from '../store/cache/keys.js';
import { CallbackEventStore, EventInbox } from '../store/callback-event.store.js';
import { ChannelStore } from '../store/channel.store.js';
import { CustomerStore, customerTransactor } from '../store/customer.store.js';
import { createDb, dbClient, migrateLatest, pingDb, type Db } from '../store/db.js';
import { TagStore } from '../store/tag.store.js';
import { ConversationService } from '../domain/conversation/conversation.service.js';
import { GroupService } from '../domain/conversation/group.service.js';
import type { Cooldowns, RuleMatcher, TemplatePort } from '../domain/conversation/conversation.ports.js';
import type { TemplateKey } from '../domain/conversation/default-templates.js';
import { compileTemplate, renderTemplate } from '../domain/conversation/templates.js';
import { OutboxService } from '../domain/outbox/outbox.service.js';
import { maskMobile } from '../shared/pii.js';
import { ConversationStore } from '../store/conversation.store.js';
import { CustomerOptOutStore, OutboxStore } from '../store/outbox.store.js';
import { RoomActivityStore } from '../store/room-activity.store.js';
import { TaskStore } from '../store/task.store.js';
import { JourneyEngine } from '../domain/journey/journey-engine.js';
import { JourneyService } from '../domain/journey/journey.service.js';
import { DEFAULT_JOURNEYS } from '../domain/journey/defaults.js';
import { parseHm } from '../domain/journey/policy.js';
import { CustomerFactsStore, JourneyStore, StoreSettingsStore, TriggerSourceStore } from '../store/journey.store.js';
import { journeyRoutes } from '../http/routes/journeys.routes.js';
import { pollTemplateResults, type TemplateResultCounts } from '../domain/journey/template-results.js';
import type { JourneyActions, TemplateResults } from '../domain/journey/journey.ports.js';
import { randomBytes } from 'node:crypto';
import { StaffService } from '../domain/staff/staff.service.js';
import { StaffStore } from '../store/staff.store.js';
import { StaffDirectory } from '../domain/staff/staff-directory.js';
import { batchedBotWrites } from '../store/bot-writes.js';
import { staffRoutes } from '../http/routes/staff.routes.js';
import { conversationRoutes } from '../http/routes/conversations.routes.js';
import { RoomPoolService } from '../domain/room/room-pool.service.js';
import { roomPoolRoutes } from '../http/routes/room-pools.routes.js';
import { AppMessageApi } from '../integrations/wecom/app-message-api.js';
import { WecomStaffNotifier } from '../integrations/wecom/staff-notifier.js';
import { GroupChatApi } from '../integrations/wecom/groupchat-api.js';
import { RoomPoolStore, roomPoolTransactor } from '../store/room-pool.store.js';
import { BotRuleService, RuleBook } from '../domain/conversation/rules.js';
import { TemplateBook } from '../domain/conversation/templates.js';
import { botRoutes } from '../http/routes/bot.routes.js';
import { BotRuleStore, CacheVersion } from '../store/bot-rule.store.js';
import { BotTemplateStore } from '../store/bot-template.store.js';
import { OrderService } from '../domain/order/order.service.js';
import { OrderStore, orderTransactor } from '../store/order.store.js';
import { orderRoutes } from '../http/routes/orders.routes.js';
import { integrationRoutes } from '../http/routes/integration.routes.js';
import { wechatPayRoutes } from '../http/routes/wechatpay.routes.js';
import { WechatPayNotify } from '../integrations/wechat/pay-notify.js';
import { SegmentService } from '../domain/segment/segment.service.js';
import { segmentRoutes } from '../http/routes/segments.routes.js';
import { ReactivationStore } from '../store/reactivation.store.js';
import { RfmStore } from '../store/rfm.store.js';
import { WechatEmulator } from '../integrations/wechat/emulator/index.js';
import { MiniProgramApi } from '../integrations/wechat/mini-program.js';
import { MpAuthService } from '../domain/mp/mp-auth.service.js';
import { MpService } from '../domain/mp/mp.service.js';
import { MpAuthStore, mpAuthTransactor } from '../store/mp-auth.store.js';
import { MpStore } from '../store/mp.store.js';
import { JwtCodec } from '../http/mp-tokens.js';
import { mpRoutes } from '../http/routes/mp.routes.js';
import { mpCoreRoutes } from '../http/routes/mp-core.routes.js';
import { MpCoreService } from '../domain/mp/mp-core.service.js';
import { MpCoreStore } from '../store/mp-core.store.js';
import { CustomerEditService } from '../domain/customer/customer-edit.service.js';
import { staffInviteRoutes } from '../http/routes/staff-invites.routes.js';
import { alertRoutes } from '../http/routes/alerts.routes.js';
import { buildMonitoring, type Monitoring } from './monitoring.js';
import { MpReportService } from '../domain/mp/mp-reports.service.js';
import { MpReportStore } from '../store/mp-report.store.js';
import { mpReportRoutes } from '../http/routes/mp-reports.routes.js';
import { StoreService } from '../domain/store/store.service.js';
import { StoresStore } from '../store/stores.store.js';
import { storeRoutes } from '../http/routes/stores.routes.js';

/** Reps the sandbox emulator knows, so channels can be created and scanned by hand. */
export const SANDBOX_STAFF = ['rep001', 'rep002', 'rep003'];

export interface SiyuOptions {
  clock?: Clock;
  log?: Logger;
  /** Run migrations before serving (the all-in-one role and tests do; production runs the migrate role). */
  migrate?: boolean;
  /** Start the HTTP server. */
  http?: boolean;
  /** Base delay of WeCom API retries (tests shrink it). */
  wecomBackoffMs?: number;
}

export interface Siyu {
  config: Config;
  log: Logger;
  metrics: Metrics;
  db: Db;
  cache: Cache;
  clock: Clock;
  server?: Server;
  url?: string;
  emulator?: WecomEmulator;
  /** WeChat's jscode2session in sandbox mode (tests issue wx.login codes with it). */
  wechatEmulator?: WechatEmulator;
  wecom: WecomClient;
  channels: ChannelService;
  customers: CustomerService;
  processor: EventProcessor;
  roomPools: RoomPoolService;
  /** Application messages to reps and admins (message/send with the agent secret). */
  appMessages: AppMessageApi;
  rules: RuleBook;
  templates: TemplateBook;
  /** Conversation handling and the outbox; the bot role (src/main/bot-role.ts) feeds and drains them. */
  bot: { conversations: ConversationService; groups: GroupService; outbox: OutboxService };
  /** Journeys (data), their engine (ticked by the jobs role) and store. */
  journeys: {
    service: JourneyService;
    engine: JourneyEngine;
    store: JourneyStore;
    /** Another engine on the same database (tests: a second process); `wrapActions` lets a test stand between it and its rungs. */
    makeEngine(owner: string, o?: { wrapActions?(a: JourneyActions): JourneyActions }): JourneyEngine;
    /** Reads back WeCom's results of template touches (the job's body). */
    pollTemplateResults(): Promise<TemplateResultCounts>;
  };
  /** RFM scores, segments and reactivation entries (the nightly jobs use the stores). */
  segments: { service: SegmentService; rfm: RfmStore; reactivation: ReactivationStore };
  /** Orders from the mall/POS API, WeChat Pay, operators and CSV imports. */
  orders: OrderService;
  /** Alerts (evaluated by the jobs role), job-run records and the bot's reported status. */
  monitoring: Monitoring;
  /** Stores and their own settings (quiet hours, dormant threshold). */
  stores: StoreService;
  close(): Promise<void>;
}

/**
 * Builds the whole object graph of one process from validated config. The only place that
 * constructs concrete parts; tests call it with their own config and clock.
 */
export async function createSiyu(config: Config, opts: SiyuOptions = {}): Promise<Siyu> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics({ defaults: config.env !== 'test' });
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((e: Error) => log.warn({ err: e.message }, 'error while closing'));
  };

  try {
    const db = createDb({ mysqlUrl: config.db.mysqlUrl, sqliteFile: config.db.sqliteFile, poolMax: config.db.poolMax, log: log.child({ module: 'db' }) });
    closers.push(() => db.destroy());
    if (opts.migrate) {
      const applied = await migrateLatest(db);
      if (applied.length) log.info({ applied: applied.length }, 'migrations applied');
    }
    const cache = await createCache({ redisUrl: config.cache.redisUrl, clock });
    closers.push(() => cache.close());
    const keys = cacheKeys(config.cache.prefix);

    let emulator: WecomEmulator | undefined;
    let apiBase = config.wecom.apiBase;
    if (config.sandbox) {
      emulator = new WecomEmulator({
        corpId: config.wecom.corpId,
        secrets: [config.wecom.contactSecret, config.wecom.agentSecret],
        agentIds: [config.wecom.agentId],
        // The sandbox links the configured mini-program, as the WeCom admin would.
        linkedMiniAppIds: config.wecom.linkedMiniAppId ? [config.wecom.linkedMiniAppId] : [],
        clock,
      });
      for (const u of SANDBOX_STAFF) emulator.addEmployee(u, { name: u });
      apiBase = await emulator.listen(0, '127.0.0.1');
      closers.push(() => emulator!.close());
    }

    let wechatEmulator: WechatEmulator | undefined;
    let wechatApiBase = config.wechat.apiBase;
    if (config.sandbox && config.wechat.miniAppId && config.wechat.miniAppSecret) {
      wechatEmulator = new WechatEmulator({ appId: config.wechat.miniAppId, appSecret: config.wechat.miniAppSecret, clock });
      wechatApiBase = await wechatEmulator.listen(0, '127.0.0.1');
      closers.push(() => wechatEmulator!.close());
    }

    const wecom = new WecomClient({
      apiBase,
      corpId: config.wecom.corpId,
      secrets: { contact: config.wecom.contactSecret, agent: config.wecom.agentSecret },
      timeoutMs: config.wecom.timeoutMs,
      maxRetries: config.wecom.maxRetries,
      ratePerMinute: config.wecom.ratePerMinute,
      cache,
      keys,
      metrics,
      log: log.child({ module: 'wecom' }),
      clock,
      backoffMs: opts.wecomBackoffMs,
    });
    closers.push(() => wecom.close());
    const gateways = new WecomGateways(new WecomContactApi(wecom));
    const channelStore = new ChannelStore(db);
    const customerStore = new CustomerStore(db);
    const tags = new TagService({ tags: new TagStore(db), corpTags: gateways, log: log.child({ module: 'tags' }) });
    const lookup = new ChannelLookup(channelStore, clock);
    const media = new MediaService({
      repo: new MediaStore(db),
      uploader: gateways,
      cache: {
        get: (sha1) => cache.get(keys.mediaId(config.wecom.corpId, sha1)),
        set: (sha1, mediaId, ttlMs) => cache.set(keys.mediaId(config.wecom.corpId, sha1), mediaId, ttlMs),
      },
      clock,
      log: log.child({ module: 'media' }),
    });
    const channels = new ChannelService({
      channels: channelStore,
      contactWays: gateways,
      tags,
      clock,
      log: log.child({ module: 'channels' }),
      onChange: (c) => lookup.forget(c.code),
      assetExists: (id) => media.exists(id),
    });
    const customers = new CustomerService({ customers: customerStore, corpId: config.wecom.corpId });
    const roomPools = new RoomPoolService({
      pools: new RoomPoolStore(db),
      tx: roomPoolTransactor(db),
      joinWays: new GroupChatApi(wecom),
      clock,
      log: log.child({ module: 'room-pools' }),
    });
    const appMessages = new AppMessageApi(wecom, config.wecom.agentId);
    const monitoring = buildMonitoring({ config, db, cache, keys, clock, log, metrics, appMessages });
    closers.push(() => monitoring.close());
    const pii = new PiiCipher(config.piiKey);
    const landingStore = new LandingStore(db);
    const limiter = new CacheRateLimiter(cache, keys, clock);
    const landing = new LandingService({
      channels: channelStore,
      lookup,
      landing: landingStore,
      tx: landingTransactor(db),
      tags,
      contactWays: gateways,
      limiter,
      mutex: new CacheMutex(cache, keys),
      pii,
      clock,
      log: log.child({ module: 'landing' }),
    });
    const acquisition = new AcquisitionService({
      corpId: config.wecom.corpId,
      channels: channelStore,
      lookup,
      tx: customerTransactor(db),
      tags,
      wecom: gateways,
      clock,
      log: log.child({ module: 'acquisition' }),
      defaultWelcome: config.welcome.defaultText,
      welcomeWindowMs: config.welcome.windowMs,
      media,
      leads: {
        findByState: (state) => landing.findLeadByState(state),
        markLinked: (id, at) => landingStore.markLeadLinked(id, at),
      },
      onChannelAdds: (ids) => channels.afterAdds(ids),
      onAdded: (a) => journeyService.trigger({ trigger: 'contact_added', customerId: a.customerId, storeId: a.storeId, ref: `add:${a.eventId}`, at: a.at }),
      metrics: {
        welcome: (outcome, latencyMs) => {
          metrics.welcomes.inc({ outcome });
          if (latencyMs !== undefined) metrics.welcomeLatency.observe(latencyMs / 1000);
        },
      },
    });
    const queue = new CallbackEventStore(db);
    const processor = new EventProcessor({
      queue,
      acquisition,
      decode: (f) => toContactEvent(f as never),
      clock,
      log: log.child({ module: 'events' }),
      onOutcome: (kind, outcome) => metrics.callbackEvents.inc({ kind, outcome }),
      onInFlight: (n) => metrics.eventBacklog.set(n),
      isTransient: isUnavailable,
    });
    closers.push(() => processor.stop());
    // The callback acknowledgement gets connections of its own, so it never queues behind
    // processing transactions (SQLite has one writer anyway and shares the instance).
    let inboxDb = db;
    if (config.db.mysqlUrl) {
      inboxDb = createDb({ mysqlUrl: config.db.mysqlUrl, sqliteFile: config.db.sqliteFile, poolMax: 4, log: log.child({ module: 'db-inbox' }) });
      closers.push(() => inboxDb.destroy());
    }
    const inbox = new EventInbox(new CallbackEventStore(inboxDb), {
      maxBatch: config.callback.maxBatch,
      leaseMs: 60_000,
      maxConcurrent: config.db.mysqlUrl ? 3 : 1,
      onFlush: (size, seconds) => {
        metrics.inboxBatch.observe(size);
        metrics.inboxFlush.observe(seconds);
      },
      now: () => clock.now(),
      onCommitted: (owner, batch) => void processor.dispatch(owner, batch),
    });

    const botRuleStore = new BotRuleStore(db);
    const ruleVersion = new CacheVersion(cache, keys.botVersion('rules'));
    const storeExists = (id: number) => channelStore.storeExists(id);
    const rules = new RuleBook({ rules: botRuleStore, version: ruleVersion, clock, log: log.child({ module: 'bot-rules' }) });
    const botRules = new BotRuleService({ rules: botRuleStore, version: ruleVersion, clock, storeExists });
    const templates = new TemplateBook({
      templates: new BotTemplateStore(db),
      version: new CacheVersion(cache, keys.botVersion('templates')),
      clock,
      log: log.child({ module: 'bot-templates' }),
      storeExists,
    });

    const outbox = new OutboxService({ repo: new OutboxStore(db), optOut: new CustomerOptOutStore(db), clock });
    const conversationStore = new ConversationStore(db, () => clock.now(), config.wecom.corpId);
    const botWrites = batchedBotWrites(db, clock);
    const roomActivity = new RoomActivityStore(db);
    const staffVersion = new CacheVersion(cache, keys.botVersion('staff'));
    const staffDirectory = new StaffDirectory({ staff: new StaffStore(db), version: staffVersion, clock, log: log.child({ module: 'staff' }) });
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
      renderText: (text, vars) => renderTemplate(compileTemplate(text), vars),
    };
    const botLog = log.child({ module: 'conversations', account: config.bot.account });
    const rulePort: RuleMatcher = {
      // Templates reload on the same beat as rules, so an edited text shows up as fast.
      maybeRefresh: () => Promise.all([rules.maybeRefresh(), templates.maybeRefresh()]).then(() => undefined),
      match: (q) => rules.match(q),
    };
    const conversations = new ConversationService({
      rules: rulePort,
      templates: templatePort,
      conversations: conversationStore,
      contacts: conversationStore,
      staff: staffDirectory,
      surveys: conversationStore,
      tasks: new TaskStore(db),
      timeline: botWrites.timeline,
      outbox: botWrites.outbox,
      notifier: new WecomStaffNotifier({ api: appMessages, miniAppId: config.wecom.linkedMiniAppId, log: botLog }),
      cooldowns,
      maskPhone: (enc) => (enc ? maskMobile(pii.decrypt(enc)) : '未留手机号'),
      clock,
      log: botLog,
      config: {
        account: config.bot.account,
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
      rooms: roomActivity,
      membership: roomPools,
      clock,
      log: botLog,
      config: { account: config.bot.account, welcomeBatchMs: config.bot.groupWelcomeBatchMs, spamMaxStrikes: config.bot.spamMaxStrikes, welcomeMaxMentions: 20 },
    });
    const bot = { conversations, groups, outbox };
    const rfmStore = new RfmStore(db);
    const reactivationStore = new ReactivationStore(db);
    const segments = new SegmentService({ rfm: rfmStore, reactivation: reactivationStore });

    const storesVersion = new CacheVersion(cache, keys.storesVersion());
    // Every write bumps the shared counter, so journey engines in any process drop their copies.
    const stores = new StoreService({ repo: new StoresStore(db), clock, onChange: () => storesVersion.bump() });
    const storeSettings = new StoreSettingsStore(db);
    const journeyStore = new JourneyStore(db);
    const journeyService = new JourneyService({
      repo: journeyStore,
      clock,
      defaults: DEFAULT_JOURNEYS,
      orderMaxAgeMs: config.journeys.orderMaxAgeHours * 3_600_000,
      sources: new TriggerSourceStore(db),
      cursors: {
        get: async (id) => {
          const v = await cache.get(keys.journeyCursor(id));
          return v === null ? undefined : v;
        },
        set: (id, v) => cache.set(keys.journeyCursor(id), v, TTL.journeyCursorMs),
      },
    });
    const taskStore = new TaskStore(db);
    const contactApi = new WecomContactApi(wecom);
    const templateResults: TemplateResults = {
      tasks: async (msgid) => (await contactApi.getGroupMsgTasks(msgid)).map((x) => ({ userid: x.userid, sent: x.status === 2 })),
      sendResults: (msgid, userid) => contactApi.getGroupMsgSendResult(msgid, userid),
      listCreated: async ({ from, to }) =>
        (await contactApi.listGroupMsgs({ startSec: Math.floor(from / 1000), endSec: Math.ceil(to / 1000), filterType: 0 }))
          .filter((m) => m.text !== null)
          .map((m) => ({ msgid: m.msgid, createdAt: m.createTime * 1000, text: m.text! })),
    };
    const customerEdits = new CustomerEditService({ tx: customerTransactor(db), customers: customerStore, tags, wecom: gateways, corpId: config.wecom.corpId, clock, log: log.child({ module: 'customer-edits' }) });
    const makeJourneyEngine = (owner: string, o: { wrapActions?(a: JourneyActions): JourneyActions } = {}) => new JourneyEngine({
      repo: journeyStore,
      facts: new CustomerFactsStore(db, config.wecom.corpId),
      templates: templateResults,
      actions: (o.wrapActions ?? ((a: JourneyActions) => a))({
        botContactsOf: (ids) => conversationStore.contactsOf(config.bot.account, ids),
        enqueueBot: async (req) => void (await outbox.enqueue([req])),
        sendTemplate: async (p) => {
          const r = await contactApi.addMsgTemplate({ sender: p.sender, externalUserIds: [p.externalUserId], text: p.text });
          return r.failList.includes(p.externalUserId) ? undefined : r.msgid;
        },
        ask: async (id, q, ref, outboxKey) => void (await conversations.ask(id, q, ref, { outboxKey })),
        claimCoupon: async (c) => (await landingStore.claimCoupon({ customerId: c.customerId, channelId: null, offerKey: c.offerKey, code: c.code, createdAt: c.at })).code,
        createTask: (t) => taskStore.insertTask({ ...t, kind: 'journey', createdAt: clock.now() }),
        changeTags: (id, change, journeyId) => customerEdits.edit(id, { tags: change }, { journeyId }),
      }),
      clock,
      log: log.child({ module: 'journeys' }),
      owner,
      texts: { render: (k, storeId, vars) => templates.render(k, storeId, vars), maybeRefresh: () => templates.maybeRefresh() },
      onTouch: (outcome, detail) => metrics.touches.inc({ outcome, detail }),
      stores: { quietHours: (id) => storeSettings.quietHours(id), version: () => storesVersion.get() },
      config: {
        account: config.bot.account,
        quietHours: { fromMin: parseHm(config.journeys.quietFrom), toMin: parseHm(config.journeys.quietTo) },
        caps: { perDay: config.journeys.capPerDay, perWeek: config.journeys.capPerWeek },
        massPerMonth: config.journeys.massPerMonth,
        leaseMs: config.journeys.leaseMs,
        batch: config.journeys.batch,
        maxAttempts: config.journeys.maxAttempts,
        defaultRepUserId: config.bot.defaultRepUserId,
        templateSettleMs: config.journeys.templateSettleSec * 1000,
      },
    });
    const journeyEngine = makeJourneyEngine(`journeys-${process.pid}-${randomBytes(4).toString('hex')}`);
    const journeys = {
      service: journeyService,
      engine: journeyEngine,
      store: journeyStore,
      makeEngine: makeJourneyEngine,
      pollTemplateResults: () =>
        pollTemplateResults({ repo: journeyStore, results: templateResults, facts: new CustomerFactsStore(db, config.wecom.corpId), clock, log: log.child({ module: 'template-results' }) }),
    };
    const orderStore = new OrderStore(db);
    const orders = new OrderService({
      tx: orderTransactor(db),
      orders: orderStore,
      sources: orderStore,
      tags,
      pii,
      nonces: { spend: (source, nonce) => cache.setIfAbsent(keys.orderNonce(source, nonce), '1', TTL.orderNonceMs) },
      storeExists,
      corpId: config.wecom.corpId,
      clock,
      log: log.child({ module: 'orders' }),
      // Which orders start journeys is decided in domain/journey/order-entry.ts.
      onPaid: async (o) => {
        await journeyService.orderPaid(o);
      },
    });

    const mpAuth = new MpAuthService({
      repo: new MpAuthStore(db),
      tx: mpAuthTransactor(db),
      wechat: new MiniProgramApi({ apiBase: wechatApiBase, appId: config.wechat.miniAppId, appSecret: config.wechat.miniAppSecret, timeoutMs: config.wechat.timeoutMs }),
      tokens: new JwtCodec(createHmac('sha256', config.jwtSecret).update('siyu mini-program tokens').digest()),
      clock,
      log: log.child({ module: 'mp-auth' }),
      limiter,
    });
    const mpStore = new MpStore(db);
    const mp = new MpService({
      repo: mpStore,
      audit: mpStore,
      customers,
      phones: { mask: (enc) => maskMobile(pii.decrypt(enc)), reveal: (enc) => pii.decrypt(enc) },
      storeExists,
      // A store deleted since the login reads as unknown; anything else is an error.
      storeName: (id) => stores.get(id).then((s) => s.name, (e: unknown) => { if (isAppError(e) && e.status === 404) return undefined; throw e; }),
      clock,
    });
    const funnelStore = new FunnelStore(db);
    const mpCore = new MpCoreService({
      repo: new MpCoreStore(db),
      customers: mpStore,
      channels,
      funnel: funnelStore,
      orders,
      edits: customerEdits,
      storeExists,
      clock,
    });
    const renders = new RenderCache({ maxBytes: 32 * 1024 * 1024 });
    const auditIpKey = createHmac('sha256', config.jwtSecret).update('siyu audit client address').digest();
    const ipHash = (ip: string) => createHmac('sha256', auditIpKey).update(ip).digest('hex').slice(0, 32);
    const funnel = new FunnelService({ funnel: funnelStore, channels: channelStore });
    const mpReports = new MpReportService({ repo: new MpReportStore(db), journeys: journeyService, funnel, segments, customers: mp, placements: mpStore, audit: mpStore, clock });

    const siyu: Siyu = { config, log, metrics, db, cache, clock, emulator, wechatEmulator, wecom, channels, customers, processor, roomPools, appMessages, rules, templates, bot, journeys, orders, segments: { service: segments, rfm: rfmStore, reactivation: reactivationStore }, monitoring, stores, close };

    if (opts.http !== false) {
      const crypto = new CallbackCrypto({ token: config.wecom.token, encodingAesKey: config.wecom.aesKey, corpId: config.wecom.corpId });
      const landingDeps = { landing, pii, tokens: new FormTokens(createHmac('sha256', config.jwtSecret).update('siyu landing form tokens').digest()), cache, keys, clock };
      const app = createHttpApp({
        log,
        metrics,
        adminApiKey: config.adminApiKey,
        publicRoutes: [
          landingRoutes(landingDeps),
          healthRoutes({
            metrics,
            checks: { db: () => pingDb(db), cache: () => cache.ping() },
            info: { dbClient: dbClient(db), cacheKind: cache.kind, sandbox: config.sandbox },
          }),
          integrationRoutes({ orders }),
          mpRoutes({ auth: mpAuth, mp, ipHash, limiter }),
          mpCoreRoutes({ auth: mpAuth, core: mpCore, mp, renders, log: log.child({ module: 'mp-core' }), publicBaseUrl: config.publicBaseUrl }),
          mpReportRoutes({ auth: mpAuth, reports: mpReports, ipHash }),
          wechatPayRoutes({
            notify: new WechatPayNotify({ platformKeys: config.wechatPay.platformKeys, apiV3Key: config.wechatPay.apiV3Key, nowSec: () => clock.now() / 1000 }),
            orders,
            clock,
            log: log.child({ module: 'wechatpay' }),
          }),
        ],
        adminRoutes: [
          // Before channelRoutes: /api/channels/batch/:key/posters.zip must not be read as /:id.
          channelQrRoutes({ channels, cache: renders, publicBaseUrl: config.publicBaseUrl }),
          channelRoutes({ channels }),
          customerRoutes({ customers, merges: new MergeService({ tx: mergeTransactor(db), clock }) }),
          mediaRoutes({ media }),
          botRoutes({ rules: botRules, templates }),
          funnelRoutes({ funnel, nps: conversationStore }),
          roomPoolRoutes({ roomPools }),
          storeRoutes({ stores }),
          staffRoutes({ staff: new StaffService({ staff: new StaffStore(db), storeExists, clock, onChange: () => staffDirectory.changed(), onInactive: (id) => mpAuth.revokeAll(id) }) }),
          journeyRoutes({ journeys: journeyService, stats: (id) => journeyStore.journeyStats(id, 14) }),
          conversationRoutes({ conversations, outbox, rooms: roomActivity }),
          orderRoutes({ orders }),
          staffInviteRoutes({ auth: mpAuth }),
          segmentRoutes({ segments }),
          alertRoutes({ alerts: monitoring.alerts }),
          ...(emulator ? [sandboxRoutes({ emulator, wechat: wechatEmulator, channels, customers, processor })] : []),
        ],
      });
      // WeCom's callback is answered before Koa sees the request: it is the hot path.
      const callback = createWecomCallbackHandler({
        crypto,
        inbox,
        clock,
        log,
        metrics,
        maxSkewSec: config.wecom.callbackMaxSkewSec,
        bodyLimitBytes: config.callback.bodyLimitBytes,
        needsWork: (f) => toContactEvent(f as never) !== undefined,
      });
      // So is a poster campaign's scan burst on the landing page.
      const scan = createLandingScanHandler({ scan: scanPage(landingDeps), metrics, log });
      const koa = app.callback();
      const server = createServer((req, res) => {
        if (!callback(req, res) && !scan(req, res)) void koa(req, res);
      });
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      );
      const port = (server.address() as AddressInfo).port;
      siyu.server = server;
      siyu.url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      emulator?.setCallback({ url: `${siyu.url}/wecom/callback`, token: config.wecom.token, encodingAesKey: config.wecom.aesKey, agentId: String(config.wecom.agentId) });
    }
    return siyu;
  } catch (e) {
    await close();
    throw e;
  }
}

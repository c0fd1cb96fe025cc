import type { Server } from 'node:http';
import type { Config } from '../config/config.js';
import type { EventProcessor } from '../domain/acquisition/event-processor.js';
import type { ChannelService } from '../domain/channel/channel.service.js';
import type { ConversationService } from '../domain/conversation/conversation.service.js';
import type { GroupService } from '../domain/conversation/group.service.js';
import type { RuleBook } from '../domain/conversation/rules.js';
import type { ReplyTexts } from '../domain/conversation/reply-texts.js';
import type { CustomerService } from '../domain/customer/customer.service.js';
import type { OrderService } from '../domain/order/order.service.js';
import type { OutboxService } from '../domain/outbox/outbox.service.js';
import type { RoomPoolService } from '../domain/room/room-pool.service.js';
import type { StoreService } from '../domain/store/store.service.js';
import type { AppMessageApi } from '../integrations/wecom/app-message-api.js';
import type { WecomClient } from '../integrations/wecom/api-client.js';
import type { MockPhones } from '../sandbox/mock-phones.js';
import type { WechatEmulator } from '../sandbox/wechat/index.js';
import type { WecomEmulator } from '../sandbox/wecom/index.js';
import type { Cache } from '../shared/cache.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { createMetrics, type Metrics } from '../shared/metrics.js';
import type { Db } from '../persistence/db.js';
import { buildMonitoring, type Monitoring } from './monitoring.js';
import { wireAcquisition } from './wiring/acquisition.js';
import { wireChannels } from './wiring/channels.js';
import { wireConversations } from './wiring/conversations.js';
import { serveHttp } from './wiring/http.js';
import { wireJourneys, type JourneyParts } from './wiring/journeys.js';
import { wireMiniProgram, wireReportRollups } from './wiring/mini-program.js';
import { wireOrders, type OrderParts } from './wiring/orders.js';
import { Closers, wirePlatform } from './wiring/platform.js';
import { wireWecom } from './wiring/wecom.js';

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
  /**
   * Where phones reach this server (landing QR codes, posters): PUBLIC_BASE_URL, or else
   * (development, tests) the HTTP server's own address once it listens, whatever PORT it got.
   */
  publicBaseUrl?: string;
  emulator?: WecomEmulator;
  /** Sandbox: customers' phones on the bot's mock puppet, set while a bot role runs in this process. */
  sandboxPhones?: MockPhones;
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
  templates: ReplyTexts;
  /** Conversation handling and the outbox; the bot role (src/main/bot-role.ts) feeds and drains them. */
  bot: { conversations: ConversationService; groups: GroupService; outbox: OutboxService };
  /** Journeys (data), their engine (ticked by the jobs role) and store. */
  journeys: JourneyParts['journeys'];
  /** RFM scores, segments and reactivation entries (the nightly jobs use the stores). */
  segments: OrderParts['segments'];
  /** Orders from the mall/POS API, WeChat Pay, operators and CSV imports. */
  orders: OrderService;
  /** Alerts (evaluated by the jobs role), job-run records and the bot's reported status. */
  monitoring: Monitoring;
  /** Stores and their own settings (quiet hours, dormant threshold). */
  stores: StoreService;
  /** The funnel's and dashboard's daily rollups (folded in by the jobs role). */
  reports: ReturnType<typeof wireReportRollups>;
  close(): Promise<void>;
}

/** What the bot role runs: conversations, the outbox and the bot's status reports. */
export type BotGraph = Pick<Siyu, 'config' | 'log' | 'metrics' | 'db' | 'cache' | 'clock' | 'appMessages' | 'bot' | 'monitoring' | 'sandboxPhones' | 'close'>;

/** What the jobs role runs: the schedule's job bodies (src/jobs/schedule.ts) and what they touch. */
export type JobsGraph = Pick<Siyu, 'config' | 'log' | 'metrics' | 'cache' | 'clock' | 'processor' | 'channels' | 'roomPools' | 'journeys' | 'segments' | 'reports' | 'monitoring' | 'close'>;

type Core = Awaited<ReturnType<typeof wireCore>>;

/** The areas every role needs: platform, WeCom, channels and tags, alerts, the bot's services. */
async function wireCore(config: Config, opts: SiyuOptions, closers: Closers, log: Logger, metrics: Metrics) {
  const clock = opts.clock ?? systemClock;
  const p = await wirePlatform(config, { clock, log, metrics, closers, migrate: opts.migrate });
  const wecom = await wireWecom(p, { backoffMs: opts.wecomBackoffMs });
  const channels = wireChannels(p, wecom);
  const monitoring = buildMonitoring({ config, db: p.db, cache: p.cache, keys: p.keys, clock, log, metrics, appMessages: wecom.appMessages });
  closers.push(() => monitoring.close());
  const conversations = wireConversations(p, wecom, channels);
  return { p, wecom, channels, monitoring, conversations };
}

/** Builds a graph with `build`, closing whatever was opened when it fails half-way. */
async function assemble<T>(config: Config, opts: SiyuOptions, build: (core: Core, closers: Closers) => Promise<T>): Promise<T> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics({ defaults: config.env !== 'test' });
  const closers = new Closers(log);
  try {
    return await build(await wireCore(config, opts, closers, log, metrics), closers);
  } catch (e) {
    await closers.closeAll();
    throw e;
  }
}

function base(core: Core, closers: Closers) {
  const { p, wecom, conversations } = core;
  return {
    config: p.config,
    log: p.log,
    metrics: p.metrics,
    db: p.db,
    cache: p.cache,
    clock: p.clock,
    appMessages: wecom.appMessages,
    bot: { conversations: conversations.conversations, groups: conversations.groups, outbox: conversations.outbox },
    monitoring: core.monitoring,
    close: () => closers.closeAll(),
  };
}

/** The bot role's graph: no journeys, orders, callback processing or HTTP. */
export function createBotGraph(config: Config, opts: SiyuOptions = {}): Promise<BotGraph> {
  return assemble(config, opts, async (core, closers) => base(core, closers));
}

/** The jobs role's graph: everything the schedule runs, no HTTP. */
export function createJobsGraph(config: Config, opts: SiyuOptions = {}): Promise<JobsGraph> {
  return createSiyu(config, { ...opts, http: false });
}

/**
 * Builds the object graph of one process from validated config: one wiring module per area
 * (src/main/wiring/), each taking only the parts it uses. The only place that constructs
 * concrete parts; tests call it with their own config and clock. Where each rule lives is
 * written at the top of each area's wiring and in src/README.md.
 */
export function createSiyu(config: Config, opts: SiyuOptions = {}): Promise<Siyu> {
  return assemble(config, opts, async (core, closers) => {
    const { p, wecom, channels, conversations } = core;
    const journeys = wireJourneys(p, wecom, channels, conversations);
    const orders = wireOrders(p, channels, journeys);
    const acquisition = wireAcquisition(p, wecom, channels, conversations, journeys);
    const siyu: Siyu = {
      ...base(core, closers),
      emulator: wecom.sandbox?.emulator,
      wechatEmulator: wecom.sandbox?.wechat,
      wecom: wecom.wecom,
      channels: channels.channels,
      customers: channels.customers,
      processor: acquisition.processor,
      roomPools: conversations.roomPools,
      rules: conversations.rules,
      templates: conversations.templates,
      journeys: journeys.journeys,
      segments: orders.segments,
      orders: orders.orders,
      stores: journeys.stores,
      reports: wireReportRollups(p),
    };
    if (opts.http !== false) {
      const mp = wireMiniProgram(p, wecom, channels, journeys, orders);
      const served = await serveHttp(p, { wecom, channels, conversations, journeys, acquisition, orders, mp, monitoring: core.monitoring, sandboxPhones: () => siyu.sandboxPhones });
      siyu.server = served.server;
      siyu.url = served.url;
      siyu.publicBaseUrl = served.publicBaseUrl;
    }
    return siyu;
  });
}

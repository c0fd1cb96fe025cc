import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StaffService } from '../../domain/staff/staff.service.js';
import { createHttpApp } from '../../http/app.js';
import { clientOrigin } from '../../http/client-origin.js';
import { metricsAccess } from '../../http/metrics-access.js';
import { landingPageHeaders } from '../../http/security-headers.js';
import { FormTokens } from '../../http/form-token.js';
import { createLandingScanHandler } from '../../http/landing-scan.handler.js';
import { alertRoutes } from '../../http/routes/alerts.routes.js';
import { botRoutes } from '../../http/routes/bot.routes.js';
import { channelQrRoutes } from '../../http/routes/channel-qr.routes.js';
import { channelRoutes } from '../../http/routes/channels.routes.js';
import { conversationRoutes } from '../../http/routes/conversations.routes.js';
import { customerRoutes } from '../../http/routes/customers.routes.js';
import { funnelRoutes } from '../../http/routes/funnel.routes.js';
import { healthRoutes } from '../../http/routes/health.routes.js';
import { integrationRoutes } from '../../http/routes/integration.routes.js';
import { journeyRoutes } from '../../http/routes/journeys.routes.js';
import { landingRoutes, scanPage } from '../../http/routes/landing.routes.js';
import { mediaRoutes } from '../../http/routes/media.routes.js';
import { mpOperationsRoutes } from '../../http/routes/mp-operations.routes.js';
import { mpPersonRoutes } from '../../http/routes/mp-person.routes.js';
import { mpReportRoutes } from '../../http/routes/mp-reports.routes.js';
import { mpRoutes } from '../../http/routes/mp.routes.js';
import { orderRoutes } from '../../http/routes/orders.routes.js';
import { roomPoolRoutes } from '../../http/routes/room-pools.routes.js';
import { segmentRoutes } from '../../http/routes/segments.routes.js';
import { staffInviteRoutes } from '../../http/routes/staff-invites.routes.js';
import { staffRoutes } from '../../http/routes/staff.routes.js';
import { storeRoutes } from '../../http/routes/stores.routes.js';
import { wechatPayRoutes } from '../../http/routes/wechatpay.routes.js';
import { createWecomCallbackHandler } from '../../http/wecom-callback.handler.js';
import { RenderCache } from '../../integrations/qr/index.js';
import { toContactEvent } from '../../integrations/wecom/callback.js';
import { CallbackCrypto } from '../../integrations/wecom/crypto.js';
import { WechatPayNotify } from '../../integrations/wechat/pay-notify.js';
import { dbClient, pingDb } from '../../persistence/db.js';
import { SqlStaffRepo } from '../../persistence/staff.repo.js';
import type { MockPhones } from '../../sandbox/mock-phones.js';
import { startMetricsServer } from '../metrics-server.js';
import type { Monitoring } from '../monitoring.js';
import type { AcquisitionParts } from './acquisition.js';
import type { ChannelParts } from './channels.js';
import type { ConversationParts } from './conversations.js';
import type { JourneyParts } from './journeys.js';
import type { MiniProgramParts } from './mini-program.js';
import type { OrderParts } from './orders.js';
import type { Platform } from './platform.js';
import type { WecomParts } from './wecom.js';

export interface HttpAreas {
  /** Sandbox: customers' phones on the bot's mock puppet, while a bot role runs in this process. */
  sandboxPhones: () => MockPhones | undefined;
  wecom: WecomParts;
  channels: ChannelParts;
  conversations: ConversationParts;
  journeys: JourneyParts;
  acquisition: AcquisitionParts;
  orders: OrderParts;
  mp: MiniProgramParts;
  monitoring: Monitoring;
}

/**
 * The HTTP surface: public routes (landing, health, signed integrations, the mini-program's own
 * tokens), admin routes behind the admin key, and the two hot paths answered from node:http in
 * front of Koa (WeCom's callback and the landing scan). Handlers are thin; this file only wires.
 */
export async function serveHttp(p: Platform, a: HttpAreas): Promise<{ server: Server; url: string; publicBaseUrl: string }> {
  const { config, db, cache, keys, clock, log, metrics, closers } = p;
  const { channels: c, conversations: b, journeys: j, orders: o, mp } = a;
  // Routes answer only after listen, when the listen address is known.
  const listen: { url?: string } = {};
  const publicBase = () => config.publicBaseUrl ?? listen.url ?? '';
  const renders = new RenderCache({ maxBytes: 32 * 1024 * 1024 });
  const landingDeps = {
    landing: c.landing,
    pii: c.pii,
    tokens: new FormTokens(createHmac('sha256', config.jwtSecret).update('siyu landing form tokens').digest()),
    cache,
    keys,
    clock,
    pageHeaders: landingPageHeaders({ publicBaseUrl: config.publicBaseUrl }),
  };
  const staff = new StaffService({
    staff: new SqlStaffRepo(db),
    storeExists: c.storeExists,
    clock,
    onChange: () => b.staffDirectory.changed(),
    onInactive: (id) => mp.auth.revokeAll(id),
  });
  const originOf = clientOrigin(config.trustedProxies);
  // With a metrics port, /metrics lives there only; on the public port it is open outside
  // production, and in production only with METRICS_TOKEN.
  const ownMetricsPort = config.metricsPort > 0;
  const publicMetrics = ownMetricsPort ? metricsAccess({ token: undefined, open: false }) : metricsAccess({ token: config.metricsToken, open: config.env !== 'production' });
  if (!ownMetricsPort && config.env === 'production' && config.metricsToken === undefined) {
    log.warn('GET /metrics is not served on the public port: set METRICS_TOKEN, or METRICS_PORT for a port of its own');
  }
  const app = createHttpApp({
    log,
    metrics,
    adminApiKey: config.adminApiKey,
    originOf,
    publicRoutes: [
      landingRoutes(landingDeps),
      ...(a.wecom.sandbox ? [a.wecom.sandbox.publicRoutes({ customers: c.customers, processor: a.acquisition.processor })] : []),
      healthRoutes({
        metrics,
        checks: { db: () => pingDb(db), cache: () => cache.ping() },
        info: { dbClient: dbClient(db), cacheKind: cache.kind, sandbox: config.sandbox },
        metricsAccess: publicMetrics,
      }),
      integrationRoutes({ orders: o.orders }),
      mpRoutes({ auth: mp.auth, mp: mp.mp, ipHash: mp.ipHash, limiter: c.limiter }),
      mpOperationsRoutes({ auth: mp.auth, core: mp.core, mp: mp.mp, renders, log: log.child({ module: 'mp-operations' }), publicBaseUrl: publicBase }),
      mpReportRoutes({ auth: mp.auth, reports: mp.reports, ipHash: mp.ipHash }),
      mpPersonRoutes({ auth: mp.auth, personalData: mp.personalData, merges: mp.merges, optOut: mp.optOut, ipHash: mp.ipHash }),
      wechatPayRoutes({
        notify: new WechatPayNotify({ platformKeys: config.wechatPay.platformKeys, apiV3Key: config.wechatPay.apiV3Key, nowSec: () => clock.now() / 1000 }),
        orders: o.orders,
        clock,
        log: log.child({ module: 'wechatpay' }),
      }),
    ],
    adminRoutes: [
      // Before channelRoutes: /api/channels/batch/:key/posters.zip must not be read as /:id.
      channelQrRoutes({ channels: c.channels, cache: renders, publicBaseUrl: publicBase }),
      channelRoutes({ channels: c.channels }),
      customerRoutes({ customers: c.customers, merges: mp.merges, personalData: mp.personalData, optOut: mp.optOut, ipHash: mp.ipHash }),
      mediaRoutes({ media: c.media }),
      botRoutes({ rules: b.botRules, templates: b.templates }),
      funnelRoutes({ funnel: mp.funnel, nps: b.conversationRepo }),
      roomPoolRoutes({ roomPools: b.roomPools }),
      storeRoutes({ stores: j.stores }),
      staffRoutes({ staff }),
      journeyRoutes({ journeys: j.journeys.service, stats: (id) => j.journeys.store.journeyStats(id, 14) }),
      conversationRoutes({ conversations: b.conversations, outbox: b.outbox, rooms: b.roomActivity }),
      orderRoutes({ orders: o.orders }),
      staffInviteRoutes({ auth: mp.auth }),
      segmentRoutes({ segments: o.segments.service }),
      alertRoutes({ alerts: a.monitoring.alerts }),
      ...(a.wecom.sandbox ? [a.wecom.sandbox.routes({ channels: c.channels, customers: c.customers, processor: a.acquisition.processor, phones: a.sandboxPhones })] : []),
    ],
  });
  // WeCom's callback is answered before Koa sees the request: it is the hot path.
  const callback = createWecomCallbackHandler({
    crypto: new CallbackCrypto({ token: config.wecom.token, encodingAesKey: config.wecom.aesKey, corpId: config.wecom.corpId }),
    inbox: a.acquisition.inbox,
    clock,
    log,
    metrics,
    maxSkewSec: config.wecom.callbackMaxSkewSec,
    bodyLimitBytes: config.callback.bodyLimitBytes,
    needsWork: (f) => toContactEvent(f as never) !== undefined,
  });
  // So is a poster campaign's scan burst on the landing page.
  const scan = createLandingScanHandler({ scan: scanPage(landingDeps), metrics, log, originOf, pageHeaders: landingDeps.pageHeaders });
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
  if (ownMetricsPort) {
    const scrape = await startMetricsServer(metrics, config.metricsHost ?? config.host, config.metricsPort, metricsAccess({ token: config.metricsToken, open: true }));
    closers.push(() => scrape.close());
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  listen.url = url;
  a.wecom.sandbox?.serving(url, publicBase());
  return { server, url, publicBaseUrl: publicBase() };
}

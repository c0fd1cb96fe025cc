import { createHmac } from 'node:crypto';
import { MergeService } from '../../domain/customer/merge.service.js';
import { OptOutService } from '../../domain/customer/opt-out.service.js';
import { PersonalDataService } from '../../domain/customer/personal-data.service.js';
import { MpAuthService } from '../../domain/mp/mp-auth.service.js';
import { MpCoreService } from '../../domain/mp/mp-core.service.js';
import { MpReportService } from '../../domain/mp/mp-reports.service.js';
import { MpService } from '../../domain/mp/mp.service.js';
import { FunnelService } from '../../domain/report/funnel.service.js';
import { JwtCodec } from '../../http/mp-tokens.js';
import { MiniProgramApi } from '../../integrations/wechat/mini-program.js';
import { randomToken } from '../../shared/ids.js';
import { maskMobile } from '../../shared/pii.js';
import { mergeTransactor } from '../../store/customer-merge.store.js';
import { FunnelStore } from '../../store/funnel.store.js';
import { MpAuthStore, mpAuthTransactor } from '../../store/mp-auth.store.js';
import { MpCoreStore } from '../../store/mp-core.store.js';
import { MpReportStore } from '../../store/mp-report.store.js';
import { MpStore } from '../../store/mp.store.js';
import { StoresStore } from '../../store/stores.store.js';
import { optOutTransactor, personalDataTransactor } from '../../store/personal-data.store.js';
import type { ChannelParts } from './channels.js';
import type { JourneyParts } from './journeys.js';
import type { OrderParts } from './orders.js';
import type { Platform } from './platform.js';
import type { WecomParts } from './wecom.js';

/**
 * The store operators' surface: wx.login sign-in and tokens, the customer, channel, order and
 * task views scoped by role and store, the reports (funnel, journeys, LTV), and the customer's
 * rights (erasure, access export, opt-out) and merges. Who may see
 * what is decided in domain/access; the services are in domain/mp and domain/report.
 */
export function wireMiniProgram(p: Platform, w: WecomParts, c: ChannelParts, j: JourneyParts, o: OrderParts) {
  const { db, clock, log, config } = p;
  const auth = new MpAuthService({
    repo: new MpAuthStore(db),
    tx: mpAuthTransactor(db),
    wechat: new MiniProgramApi({ apiBase: w.wechatApiBase, appId: config.wechat.miniAppId, appSecret: config.wechat.miniAppSecret, timeoutMs: config.wechat.timeoutMs }),
    tokens: new JwtCodec(createHmac('sha256', config.jwtSecret).update('siyu mini-program tokens').digest()),
    clock,
    log: log.child({ module: 'mp-auth' }),
    limiter: c.limiter,
  });
  const mpStore = new MpStore(db);
  const shops = new StoresStore(db);
  const mp = new MpService({
    repo: mpStore,
    audit: mpStore,
    customers: c.customers,
    phones: { mask: (enc) => maskMobile(c.pii.decrypt(enc)), reveal: (enc) => c.pii.decrypt(enc) },
    storeExists: c.storeExists,
    // A store deleted since the login reads as unknown.
    storeName: async (id) => (await shops.findStore(id))?.name,
    clock,
    timeline: c.customerStore,
  });
  const funnelStore = new FunnelStore(db);
  const core = new MpCoreService({
    repo: new MpCoreStore(db),
    customers: mpStore,
    channels: c.channels,
    funnel: funnelStore,
    orders: o.orders,
    edits: c.customerEdits,
    storeExists: c.storeExists,
    clock,
  });
  const funnel = new FunnelService({ funnel: funnelStore, channels: c.channelStore });
  const reports = new MpReportService({ repo: new MpReportStore(db), journeys: j.journeys.service, funnel, segments: o.segments.service, customers: mp, placements: mpStore, audit: mpStore, storeExists: c.storeExists, clock });
  const auditIpKey = createHmac('sha256', config.jwtSecret).update('siyu audit client address').digest();
  /** Client addresses in audit rows are keyed hashes: enough to tell two apart, not to recover one. */
  const ipHash = (ip: string) => createHmac('sha256', auditIpKey).update(ip).digest('hex').slice(0, 32);
  // The customer's rights (erasure, access export, opt-out) and merges, for HQ here and the admin API.
  const merges = new MergeService({ tx: mergeTransactor(db), clock });
  const optOut = new OptOutService({ tx: optOutTransactor(db), clock });
  const personalData = new PersonalDataService({ tx: personalDataTransactor(db), clock, newToken: () => randomToken(16), reveal: (enc) => c.pii.decrypt(enc) });
  return { auth, mp, core, funnel, reports, ipHash, merges, optOut, personalData };
}

export type MiniProgramParts = ReturnType<typeof wireMiniProgram>;

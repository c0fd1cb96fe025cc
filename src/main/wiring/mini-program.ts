import { createHmac } from 'node:crypto';
import { MergeService } from '../../domain/customer/merge.service.js';
import { OptOutService } from '../../domain/customer/opt-out.service.js';
import { PersonalDataService } from '../../domain/customer/personal-data.service.js';
import { MpAuthService } from '../../domain/mp/mp-auth.service.js';
import { MpOperationsService } from '../../domain/mp/mp-operations.service.js';
import { MpReportService } from '../../domain/mp/mp-reports.service.js';
import { MpService } from '../../domain/mp/mp.service.js';
import { FunnelService } from '../../domain/report/funnel.service.js';
import { JwtCodec } from '../../http/mp-tokens.js';
import { MiniProgramApi } from '../../integrations/wechat/mini-program.js';
import { randomToken } from '../../shared/ids.js';
import { maskMobile } from '../../shared/pii.js';
import { mergeTransactor } from '../../persistence/customer-merge.repo.js';
import { SqlFunnelRepo } from '../../persistence/funnel.repo.js';
import { SqlMpAuthRepo, mpAuthTransactor } from '../../persistence/mp-auth.repo.js';
import { SqlMpOperationsRepo } from '../../persistence/mp-operations.repo.js';
import { SqlMpReportRepo } from '../../persistence/mp-report.repo.js';
import { SqlMpRepo } from '../../persistence/mp.repo.js';
import { SqlOrderRepo } from '../../persistence/order.repo.js';
import { SqlReportRollupRepo } from '../../persistence/report-rollup.repo.js';
import { SqlStoreRepo } from '../../persistence/store.repo.js';
import { optOutTransactor, personalDataTransactor } from '../../persistence/personal-data.repo.js';
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
    repo: new SqlMpAuthRepo(db),
    tx: mpAuthTransactor(db),
    wechat: new MiniProgramApi({ apiBase: w.wechatApiBase, appId: config.wechat.miniAppId, appSecret: config.wechat.miniAppSecret, timeoutMs: config.wechat.timeoutMs }),
    tokens: new JwtCodec(createHmac('sha256', config.jwtSecret).update('siyu mini-program tokens').digest()),
    clock,
    log: log.child({ module: 'mp-auth' }),
    limiter: c.limiter,
  });
  const mpRepo = new SqlMpRepo(db);
  const shops = new SqlStoreRepo(db);
  const mp = new MpService({
    repo: mpRepo,
    audit: mpRepo,
    customers: c.customers,
    phones: { mask: (enc) => maskMobile(c.pii.decrypt(enc)), reveal: (enc) => c.pii.decrypt(enc) },
    storeExists: c.storeExists,
    // A store deleted since the login reads as unknown.
    storeName: async (id) => (await shops.findStore(id))?.name,
    clock,
    timeline: c.customerRepo,
  });
  const funnelRepo = new SqlFunnelRepo(db);
  const core = new MpOperationsService({
    repo: new SqlMpOperationsRepo(db),
    customers: mpRepo,
    channels: c.channels,
    funnel: funnelRepo,
    orders: o.orders,
    edits: c.customerEdits,
    storeExists: c.storeExists,
    clock,
  });
  const funnel = new FunnelService({ funnel: funnelRepo, channels: c.channelRepo });
  const reports = new MpReportService({ repo: new SqlMpReportRepo(db), journeys: j.journeys.service, funnel, segments: o.segments.service, customers: mp, orderExports: new SqlOrderRepo(db), placements: mpRepo, audit: mpRepo, storeExists: c.storeExists, clock });
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

/** The daily rollups the funnel and dashboard read, for the jobs role (which has no mini-program). */
export function wireReportRollups(p: Pick<Platform, 'db'>) {
  return { rollup: new SqlReportRollupRepo(p.db) };
}

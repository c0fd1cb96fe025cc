import { randomBytes } from 'node:crypto';
import { DEFAULT_JOURNEYS } from '../../domain/journey/defaults.js';
import { JourneyEngine } from '../../domain/journey/journey-engine.js';
import type { JourneyActions } from '../../domain/journey/journey.ports.js';
import { JourneyService } from '../../domain/journey/journey.service.js';
import { parseHm } from '../../domain/journey/policy.js';
import { pollMassMessageResults } from '../../domain/journey/mass-message-results.js';
import { StoreService } from '../../domain/store/store.service.js';
import { TTL } from '../../shared/cache-keys.js';
import { CacheVersion } from '../../shared/cache-version.js';
import { SqlCustomerFactsRepo, SqlJourneyRepo, SqlTriggerSourceRepo } from '../../persistence/journey.repo.js';
import { SqlStoreSettingsRepo } from '../../persistence/store.repo.js';
import { SqlStoreRepo } from '../../persistence/store.repo.js';
import { SqlTaskRepo } from '../../persistence/task.repo.js';
import type { ChannelParts } from './channels.js';
import type { ConversationParts } from './conversations.js';
import type { Platform } from './platform.js';
import type { WecomParts } from './wecom.js';

/**
 * Journeys as data, the engine that delivers their touches (bot → WeCom mass message → rep
 * task, ticked by the jobs role) and the shops' own settings they honour. Rules live in
 * domain/journey (policy.ts: quiet hours, caps, the delivery ladder) and domain/store.
 */
export function wireJourneys(p: Platform, w: WecomParts, c: ChannelParts, b: ConversationParts) {
  const { db, cache, keys, clock, log, config, metrics } = p;
  const storesVersion = new CacheVersion(cache, keys.storesVersion());
  // Every write bumps the shared counter, so journey engines in any process drop their copies.
  const stores = new StoreService({ repo: new SqlStoreRepo(db), clock, onChange: () => storesVersion.bump() });
  const storeSettings = new SqlStoreSettingsRepo(db);
  const journeyRepo = new SqlJourneyRepo(db);
  const service = new JourneyService({
    repo: journeyRepo,
    clock,
    defaults: DEFAULT_JOURNEYS,
    orderMaxAgeMs: config.journeys.orderMaxAgeHours * 3_600_000,
    sources: new SqlTriggerSourceRepo(db),
    cursors: {
      get: async (id) => {
        const v = await cache.get(keys.journeyCursor(id));
        return v === null ? undefined : v;
      },
      set: (id, v) => cache.set(keys.journeyCursor(id), v, TTL.journeyCursorMs),
    },
  });
  const taskRepo = new SqlTaskRepo(db);
  const facts = new SqlCustomerFactsRepo(db, config.wecom.corpId);
  const actions: JourneyActions = {
    botContactsOf: (ids) => b.conversationRepo.contactsOf(config.bot.account, ids),
    enqueueBot: async (req) => void (await b.outbox.enqueue([req])),
    sendTemplate: (t) => w.massMessageTouches.sendOne(t),
    ask: async (id, q, ref, outboxKey) => void (await b.conversations.ask(id, q, ref, { outboxKey })),
    claimCoupon: async (k) => (await c.landingRepo.claimCoupon({ customerId: k.customerId, channelId: null, offerKey: k.offerKey, code: k.code, createdAt: k.at })).code,
    createTask: (t) => taskRepo.insertTask({ ...t, kind: 'journey', createdAt: clock.now() }),
    changeTags: (id, change, journeyId) => c.customerEdits.edit(id, { tags: change }, { journeyId }),
  };
  const makeEngine = (owner: string, o: { wrapActions?(a: JourneyActions): JourneyActions } = {}) =>
    new JourneyEngine({
      repo: journeyRepo,
      facts,
      templates: w.massMessageTouches,
      timeline: c.customerRepo,
      actions: o.wrapActions ? o.wrapActions(actions) : actions,
      clock,
      log: log.child({ module: 'journeys' }),
      owner,
      texts: { render: (k, storeId, vars) => b.templates.render(k, storeId, vars), maybeRefresh: () => b.templates.maybeRefresh() },
      onTouch: (outcome, detail) => metrics.touches.inc({ outcome, detail }),
      stores: { quietHours: (id) => storeSettings.quietHours(id), version: () => storesVersion.get() },
      config: {
        account: config.bot.account,
        botEnabled: config.bot.enabled,
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
  const journeys = {
    service,
    engine: makeEngine(`journeys-${process.pid}-${randomBytes(4).toString('hex')}`),
    store: journeyRepo,
    /** Another engine on the same database (tests: a second process); `wrapActions` lets a test stand between it and its rungs. */
    makeEngine,
    /** Reads back WeCom's results of template touches (the job's body). */
    pollMassMessageResults: () => pollMassMessageResults({ repo: journeyRepo, results: w.massMessageTouches, facts, clock, log: log.child({ module: 'template-results' }) }),
  };
  return { stores, journeys };
}

export type JourneyParts = ReturnType<typeof wireJourneys>;

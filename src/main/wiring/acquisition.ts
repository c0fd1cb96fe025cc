import { AcquisitionService } from '../../domain/acquisition/acquisition.service.js';
import { EventInbox } from '../../domain/acquisition/event-inbox.js';
import { EventProcessor } from '../../domain/acquisition/event-processor.js';
import { DEFAULT_SCHEDULE } from '../../domain/acquisition/welcome-schedule.js';
import { handleLostCustomer } from '../../domain/customer/lifecycle.js';
import { toContactEvent } from '../../integrations/wecom/callback.js';
import { isUnavailable } from '../../shared/unavailable.js';
import { SqlCallbackEventRepo } from '../../persistence/callback-event.repo.js';
import { customerTransactor } from '../../persistence/customer.repo.js';
import { createDb } from '../../persistence/db.js';
import { SqlStaffRepo } from '../../persistence/staff.repo.js';
import type { ChannelParts } from './channels.js';
import type { ConversationParts } from './conversations.js';
import type { JourneyParts } from './journeys.js';
import type { Platform } from './platform.js';
import type { WecomParts } from './wecom.js';

/**
 * WeCom's contact callbacks: the durable inbox the callback answers from, the processor that
 * turns events into customers, tags, welcomes and timelines, and its retry sweep (jobs role).
 * Rules live in domain/acquisition (what an event means, the welcome window, failure classes).
 */
export function wireAcquisition(p: Platform, w: WecomParts, c: ChannelParts, b: ConversationParts, j: JourneyParts) {
  const staffRepo = new SqlStaffRepo(p.db);
  const { db, clock, log, config, metrics, closers } = p;
  const acquisition = new AcquisitionService({
    corpId: config.wecom.corpId,
    channels: c.channelRepo,
    lookup: c.lookup,
    tx: customerTransactor(db),
    people: c.people,
    tags: c.tags,
    wecom: w.gateways,
    clock,
    log: log.child({ module: 'acquisition' }),
    defaultWelcome: config.welcome.defaultText,
    welcomeWindowMs: config.welcome.windowMs,
    media: c.media,
    leads: {
      findByState: (state) => c.landing.findLeadByState(state),
      markLinked: (id, at) => c.landingRepo.markLeadLinked(id, at),
    },
    onChannelAdds: (ids) => c.channels.afterAdds(ids),
    onAdded: (a) => j.journeys.service.trigger({ trigger: 'contact_added', customerId: a.customerId, storeId: a.storeId, ref: `add:${a.eventId}`, at: a.at }),
    // A customer lost to every rep: tell the owner and the store's managers, start win-back journeys (domain/customer/lifecycle.ts).
    onLost: (l) =>
      handleLostCustomer(
        {
          staffOf: (storeId) => staffRepo.listStaff({ storeId }),
          render: async (k, storeId, vars) => {
            await b.templates.maybeRefresh();
            return b.templates.render(k, storeId, vars);
          },
          notify: (toUsers, text) => w.appMessages.sendAppText({ toUsers, text }),
          startJourneys: (x) => j.journeys.service.trigger({ trigger: 'contact_lost', customerId: x.customerId, storeId: x.storeId, ref: `lost:${x.eventId}`, at: x.at }),
        },
        l,
      ),
    metrics: {
      welcome: (outcome, latencyMs) => {
        metrics.welcomes.inc({ outcome });
        if (latencyMs !== undefined) metrics.welcomeLatency.observe(latencyMs / 1000);
      },
    },
  });
  const processor = new EventProcessor({
    queue: new SqlCallbackEventRepo(db),
    acquisition,
    decode: (f) => toContactEvent(f as never),
    clock,
    log: log.child({ module: 'events' }),
    onOutcome: (kind, outcome) => metrics.callbackEvents.inc({ kind, outcome }),
    onInFlight: (n) => metrics.eventBacklog.set(n),
    isTransient: isUnavailable,
    // When behind, the freshest welcomes first and the rest of each add deferred (domain/acquisition/welcome-schedule.ts).
    schedule: { ...DEFAULT_SCHEDULE, windowMs: config.welcome.windowMs },
  });
  // Closed after the HTTP server (closers run newest first): the callbacks it acknowledged are
  // processed before the process exits, not left leased for a minute, past the 20-s welcome window.
  closers.push(async () => {
    await processor.drain();
    await processor.stop();
  });
  // The callback acknowledgement gets connections of its own, so it never queues behind
  // processing transactions (SQLite has one writer anyway and shares the instance).
  let inboxDb = db;
  if (config.db.mysqlUrl) {
    inboxDb = createDb({ mysqlUrl: config.db.mysqlUrl, sqliteFile: config.db.sqliteFile, poolMax: 4, log: log.child({ module: 'db-inbox' }) });
    closers.push(() => inboxDb.destroy());
  }
  const inbox = new EventInbox(new SqlCallbackEventRepo(inboxDb), {
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
  return { processor, inbox };
}

export type AcquisitionParts = ReturnType<typeof wireAcquisition>;

import type { Knex } from 'knex';
import type { Config } from '../config/config.js';
import type { BotStatusPort, JobRunLog } from '../domain/alert/alert.ports.js';
import { AlertService } from '../domain/alert/alert.service.js';
import { ALERT_RULES } from '../domain/alert/alert.types.js';
import type { AppMessageApi } from '../integrations/wecom/app-message-api.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { SqlAlertStateRepo } from '../persistence/alert-state.repo.js';
import { MetricsRelay, SignalBuckets } from '../persistence/alert-signals.js';
import { SqlBotStatusRepo } from '../persistence/bot-status.repo.js';
import type { Cache } from '../shared/cache.js';
import type { CacheKeys } from '../shared/cache-keys.js';
import { SqlJobRunRepo } from '../persistence/job-run.repo.js';
import { SqlMonitoringRepo } from '../persistence/monitoring.repo.js';

/** How often each process copies its counters into the shared alert signals. */
const RELAY_EVERY_MS = 10_000;

export interface Monitoring {
  alerts: AlertService;
  /** The scheduler records runs here (job_stale rule). */
  jobRuns: JobRunLog;
  /** The bot role reports login state and a heartbeat here (bot_logged_out rule). */
  botStatus: BotStatusPort;
  /** Copies this process's counters into the shared signals now (tests; the evaluator does it itself). */
  flushSignals(): Promise<void>;
  close(): Promise<void>;
}

/** Alerts, their snapshot source and the outbox gauges read on scrape; every role builds one. */
export function buildMonitoring(d: { config: Config; db: Knex; cache: Cache; keys: CacheKeys; clock: Clock; log: Logger; metrics: Metrics; appMessages: AppMessageApi }): Monitoring {
  const { config, clock, metrics } = d;
  const log = d.log.child({ module: 'alerts' });
  const signals = new SignalBuckets(d.cache, d.keys);
  const relay = new MetricsRelay(metrics, signals, clock);
  relay.start(RELAY_EVERY_MS, (e) => log.warn({ err: e.message }, 'alert signals not flushed; kept for the next flush'));
  const botStatus = new SqlBotStatusRepo(d.cache, d.keys);
  const jobRuns = new SqlJobRunRepo(d.db);
  const source = new SqlMonitoringRepo({ db: d.db, signals, botStatus, jobRuns, account: config.bot.account, windowMin: config.alerts.windowMin, beforeRead: () => relay.flush() });
  metrics.setOutboxSource(() =>
    source
      .outboxDepth(clock.now())
      .then((v) => ({ ...v, oldestDueAgeSec: v.oldestDueAt === null ? 0 : Math.max(0, (clock.now() - v.oldestDueAt) / 1000) }))
      .catch((e: Error) => {
        log.warn({ err: e.message }, 'outbox gauges not read; previous values kept');
        return undefined;
      }),
  );
  const admins = config.bot.adminUserIds;
  const alerts = new AlertService({
    source,
    states: new SqlAlertStateRepo(d.db),
    notifier: {
      notify: async (text) => {
        // Nobody to tell: the alert is still recorded and listed by GET /api/alerts.
        if (!admins.length) return log.warn('alert fired but bot.adminUserIds is empty; nobody notified');
        await d.appMessages.sendAppText({ toUsers: admins, text });
      },
    },
    rules: { windowMin: config.alerts.windowMin, ...config.alerts.rules },
    remindEveryMs: config.alerts.remindEveryHours * 3_600_000,
    clock,
    log,
    onEvaluated: (firing) => {
      for (const rule of ALERT_RULES) metrics.alertsFiring.set({ rule }, firing.filter((f) => f.rule === rule).length);
    },
    onNotice: (kind, ok) => metrics.alertNotices.inc({ kind, outcome: ok ? 'sent' : 'failed' }),
  });
  return { alerts, jobRuns, botStatus, flushSignals: () => relay.flush(), close: () => relay.stop() };
}

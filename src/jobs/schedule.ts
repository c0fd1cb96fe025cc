import type { Config } from '../config/config.js';
import type { AlertService } from '../domain/alert/alert.service.js';
import type { JourneyEngine } from '../domain/journey/journey-engine.js';
import type { JourneyService } from '../domain/journey/journey.service.js';
import type { ReactivationRepo, RfmRepo } from '../domain/segment/segment.ports.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { cacheKeys } from '../shared/cache-keys.js';
import { runReactivation } from './reactivation.job.js';
import { runReportRollup } from './report-rollup.job.js';
import type { ReportRollupRepo } from '../domain/report/rollup.js';
import { runRfmNightly } from './rfm-nightly.job.js';
import type { Cache } from '../shared/cache.js';
import type { GuardedRun, ScheduledJob } from './scheduler.js';

/**
 * A job's lock is short and renewed while the run lasts: a run may take as long as it needs,
 * and the lock of a process killed mid-run (no release) is free again within JOB_LOCK_MS, not
 * after the longest run anyone imagined (a killed jobs process used to stop journeys for 10
 * minutes after its restart).
 */
export const JOB_LOCK_MS = 15_000;

/** Runs `run` under the named lock, or answers `ran: false` when another instance holds it. */
export async function withJobLock<T>(cache: Cache, key: string, run: () => Promise<T>, o: { ttlMs?: number; beatMs?: number } = {}): Promise<GuardedRun<T>> {
  const ttlMs = o.ttlMs ?? JOB_LOCK_MS;
  const lock = await cache.acquireLock(key, ttlMs);
  if (!lock) return { ran: false, reason: 'another instance holds the lock' };
  // A renewal that fails (Redis blip) lets another instance start the same job: the work is
  // lease-safe, so that costs duplicate effort, never duplicate sends.
  const beat = setInterval(() => void lock.extend(ttlMs).catch(() => false), o.beatMs ?? ttlMs / 3);
  beat.unref();
  try {
    return { ran: true, result: await run() };
  } finally {
    clearInterval(beat);
    await lock.release();
  }
}

/** What the scheduled jobs run, and nothing else of the process's graph. */
export interface ScheduleDeps {
  config: Pick<Config, 'cache' | 'journeys' | 'alerts'>;
  cache: Cache;
  clock: Clock;
  log: Logger;
  processor: { sweep(): Promise<unknown> };
  channels: { retryFailedSyncs(): Promise<unknown>; applyDailyCaps(): Promise<unknown> };
  roomPools: { retryFailedSyncs(): Promise<unknown> };
  journeys: { service: JourneyService; engine: Pick<JourneyEngine, 'tick'>; pollMassMessageResults(): Promise<unknown> };
  segments: { rfm: RfmRepo; reactivation: ReactivationRepo };
  reports: { rollup: ReportRollupRepo };
  monitoring: { alerts: Pick<AlertService, 'evaluate'> };
}

/**
 * The one list of schedules (Asia/Shanghai), used by the jobs role and the all-in-one role.
 * Each run holds a Redis lock named after the job (withJobLock), so instances on several hosts
 * take turns instead of working side by side (the work itself is lease-safe either way).
 */
export function scheduleOf(siyu: ScheduleDeps): ScheduledJob[] {
  const keys = cacheKeys(siyu.config.cache.prefix);
  const every = siyu.config.journeys.tickSeconds;
  const { alerts } = siyu.config;
  const jobs: Array<ScheduledJob & { everyMs: number }> = [
    { name: 'callback-event-sweep', cron: '*/5 * * * * *', everyMs: 5_000, run: () => siyu.processor.sweep() },
    { name: 'channel-sync-retry', cron: '0 * * * * *', everyMs: MINUTE, run: () => siyu.channels.retryFailedSyncs() },
    { name: 'channel-daily-caps', cron: '30 * * * * *', everyMs: MINUTE, run: () => siyu.channels.applyDailyCaps() },
    // Reads add the rows after the watermark live, so a late or skipped run changes no number, only speed.
    { name: 'report-rollup', cron: '20 * * * * *', everyMs: MINUTE, run: () => runReportRollup({ repo: siyu.reports.rollup, now: siyu.clock.now(), log: siyu.log }) },
    { name: 'room-pool-sync-retry', cron: '15 * * * * *', everyMs: MINUTE, run: () => siyu.roomPools.retryFailedSyncs() },
    {
      name: 'journeys-tick',
      ...cronEvery(every),
      run: async () => ({ entered: await siyu.journeys.service.scanTriggers(), ...(await siyu.journeys.engine.tick()) }),
    },
    // Reps confirm template touches in their WeCom client whenever they get to it; WeCom sends no callback.
    { name: 'template-results', cron: '45 */5 * * * *', everyMs: 5 * MINUTE, run: () => siyu.journeys.pollMassMessageResults() },
    // Nightly, Asia/Shanghai: scores first, then the dormant selection that branches on them.
    { name: 'rfm-nightly', cron: '0 30 2 * * *', everyMs: DAY, run: () => runRfmNightly({ now: siyu.clock.now(), rfm: siyu.segments.rfm, clock: siyu.clock, log: siyu.log }) },
    {
      name: 'reactivation-daily',
      cron: '0 30 3 * * *',
      everyMs: DAY,
      run: () =>
        runReactivation({
          now: siyu.clock.now(),
          repo: siyu.segments.reactivation,
          journeys: siyu.journeys.service,
          dormantDays: siyu.config.journeys.dormantDays,
          holdoutPct: siyu.config.journeys.holdoutPct,
          log: siyu.log,
        }),
    },
  ];
  if (alerts.enabled) {
    // Last, so it sees every other job's expected interval; under the same lock, one instance evaluates.
    const tick = cronEvery(alerts.everySec);
    const expected = [...jobs.map((j) => ({ name: j.name, everyMs: j.everyMs })), { name: 'alerts-evaluate', everyMs: tick.everyMs }];
    jobs.push({ name: 'alerts-evaluate', ...tick, run: () => siyu.monitoring.alerts.evaluate({ jobs: expected }) });
  }
  return jobs.map((j) => ({ name: j.name, cron: j.cron, everyMs: j.everyMs, run: j.run, guard: (run) => withJobLock(siyu.cache, keys.jobLock(j.name), run) }));
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A six-field cron expression firing about every `sec` seconds, and that interval. */
function cronEvery(sec: number): { cron: string; everyMs: number } {
  if (sec < 60) return { cron: `*/${sec} * * * * *`, everyMs: sec * 1000 };
  const min = Math.max(1, Math.round(sec / 60));
  return { cron: `0 */${min} * * * *`, everyMs: min * MINUTE };
}

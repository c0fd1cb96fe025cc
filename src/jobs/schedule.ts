import type { Siyu } from '../main/compose.js';
import { cacheKeys } from '../store/cache/keys.js';
import { runReactivation } from './reactivation.job.js';
import { runRfmNightly } from './rfm-nightly.job.js';
import type { ScheduledJob } from './scheduler.js';

/**
 * The one list of schedules (Asia/Shanghai), used by the jobs role and the all-in-one role.
 * Each run holds a Redis lock named after the job, so instances on several hosts take turns
 * instead of working side by side (the work itself is lease-safe either way).
 */
export function scheduleOf(siyu: Siyu): ScheduledJob[] {
  const keys = cacheKeys(siyu.config.cache.prefix);
  const locked = (name: string, ttlMs: number, run: () => Promise<unknown>) => async () => {
    const lock = await siyu.cache.acquireLock(keys.jobLock(name), ttlMs);
    if (!lock) return { skipped: 'another instance holds the lock' };
    try {
      return await run();
    } finally {
      await lock.release();
    }
  };
  const every = siyu.config.journeys.tickSeconds;
  const { alerts } = siyu.config;
  const jobs: Array<ScheduledJob & { ttlMs: number; everyMs: number }> = [
    { name: 'callback-event-sweep', cron: '*/5 * * * * *', everyMs: 5_000, ttlMs: 60_000, run: () => siyu.processor.sweep() },
    { name: 'channel-sync-retry', cron: '0 * * * * *', everyMs: MINUTE, ttlMs: 120_000, run: () => siyu.channels.retryFailedSyncs() },
    { name: 'channel-daily-caps', cron: '30 * * * * *', everyMs: MINUTE, ttlMs: 120_000, run: () => siyu.channels.applyDailyCaps() },
    { name: 'room-pool-sync-retry', cron: '15 * * * * *', everyMs: MINUTE, ttlMs: 120_000, run: () => siyu.roomPools.retryFailedSyncs() },
    {
      name: 'journeys-tick',
      ...cronEvery(every),
      ttlMs: 10 * 60_000,
      run: async () => ({ entered: await siyu.journeys.service.scanTriggers(), ...(await siyu.journeys.engine.tick()) }),
    },
    // Nightly, Asia/Shanghai: scores first, then the dormant selection that branches on them.
    { name: 'rfm-nightly', cron: '0 30 2 * * *', everyMs: DAY, ttlMs: 60 * 60_000, run: () => runRfmNightly({ now: siyu.clock.now(), rfm: siyu.segments.rfm, clock: siyu.clock, log: siyu.log }) },
    {
      name: 'reactivation-daily',
      cron: '0 30 3 * * *',
      everyMs: DAY,
      ttlMs: 60 * 60_000,
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
    jobs.push({ name: 'alerts-evaluate', ...tick, ttlMs: 5 * MINUTE, run: () => siyu.monitoring.alerts.evaluate({ jobs: expected }) });
  }
  return jobs.map((j) => ({ name: j.name, cron: j.cron, everyMs: j.everyMs, run: locked(j.name, j.ttlMs, j.run) }));
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A six-field cron expression firing about every `sec` seconds, and that interval. */
function cronEvery(sec: number): { cron: string; everyMs: number } {
  if (sec < 60) return { cron: `*/${sec} * * * * *`, everyMs: sec * 1000 };
  const min = Math.max(1, Math.round(sec / 60));
  return { cron: `0 */${min} * * * *`, everyMs: min * MINUTE };
}

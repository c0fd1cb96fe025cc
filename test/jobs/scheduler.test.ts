import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOB_LOCK_MS, scheduleOf } from '../../src/jobs/schedule.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { cacheKeys } from '../../src/shared/cache-keys.js';
import { backendName } from '../support/backends.js';
import { startAlertApp } from '../support/alerts.js';

const b = `[${backendName}]`;

/** Polls until `check` answers, for at most ~8 s (a cron that fires every second has had its chances by then). */
async function until<T>(check: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let i = 0; i < 160; i++) {
    const v = await check();
    if (v) return v;
    await sleep(50);
  }
  return undefined;
}

test(`${b} journeys-tick, whose result counts skipped touches, is recorded as a success`, async (t) => {
  const { siyu, clock } = await startAlertApp(t);
  // The real schedule entry (lock and all), fired every second instead of every minute.
  const tick = scheduleOf(siyu).find((j) => j.name === 'journeys-tick')!;
  const scheduler = startScheduler([{ ...tick, cron: '* * * * * *' }], siyu.log, siyu.metrics, { runs: siyu.monitoring.jobRuns, now: () => clock.now() });
  t.teardown(() => scheduler.stop());
  const run = await until(async () => (await siyu.monitoring.jobRuns.listRuns(['journeys-tick'])).find((r) => r.lastOkAt !== null));
  t.like(run, { lastOkAt: clock.now(), lastFailedAt: null });
  const metrics = await siyu.metrics.registry.metrics();
  t.regex(metrics, /siyu_job_last_success_timestamp_seconds\{job="journeys-tick"\} \d/);
  t.regex(metrics, /siyu_job_runs_total\{job="journeys-tick",outcome="ok"\} [1-9]/);
});

test(`${b} a run refused because another instance holds the lock is counted as skipped, not as a success`, async (t) => {
  const { siyu, clock } = await startAlertApp(t);
  const keys = cacheKeys(siyu.config.cache.prefix);
  t.truthy(await siyu.cache.acquireLock(keys.jobLock('journeys-tick'), 10 * JOB_LOCK_MS));
  const tick = scheduleOf(siyu).find((j) => j.name === 'journeys-tick')!;
  const scheduler = startScheduler([{ ...tick, cron: '* * * * * *' }], siyu.log, siyu.metrics, { runs: siyu.monitoring.jobRuns, now: () => clock.now() });
  t.teardown(() => scheduler.stop());
  const skipped = await until(async () => /siyu_job_runs_total\{job="journeys-tick",outcome="skipped"\} [1-9]/.test(await siyu.metrics.registry.metrics()) || undefined);
  t.true(skipped);
  const metrics = await siyu.metrics.registry.metrics();
  t.notRegex(metrics, /siyu_job_last_success_timestamp_seconds\{job="journeys-tick"\}/);
  t.notRegex(metrics, /siyu_job_runs_total\{job="journeys-tick",outcome="ok"\}/);
  t.like((await siyu.monitoring.jobRuns.listRuns(['journeys-tick']))[0], { lastOkAt: null });
});

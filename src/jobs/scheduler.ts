import cron from 'node-cron';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { JobRunLog } from '../domain/alert/alert.ports.js';

/**
 * What a guard says about one run: it ran (with the job's result, which only gets logged), or
 * it did not because another instance holds the job's lock. The lock outcome travels here, never
 * in the shape of a job's own result (a job may well count things it calls "skipped").
 */
export type GuardedRun<T> = { ran: true; result: T } | { ran: false; reason: string };

export interface ScheduledJob {
  name: string;
  /** node-cron expression (six fields: seconds first). */
  cron: string;
  run: () => Promise<unknown>;
  /** Runs `run` under a cross-instance lock (withJobLock); without one the job always runs. */
  guard?: <T>(run: () => Promise<T>) => Promise<GuardedRun<T>>;
  /** How often the cron expression fires; the job_stale alert measures lateness against it. */
  everyMs?: number;
}

const unguarded = async <T>(run: () => Promise<T>): Promise<GuardedRun<T>> => ({ ran: true, result: await run() });

/**
 * The one list of schedules, in Asia/Shanghai time. A tick is skipped while the previous run
 * of the same job is still going, so a slow run never piles up.
 */
export function startScheduler(jobs: ScheduledJob[], log: Logger, metrics?: Metrics, o: { runs?: JobRunLog; now?: () => number } = {}): { stop(): Promise<void> } {
  const running = new Map<string, Promise<unknown>>();
  const now = o.now ?? Date.now;
  // Run records feed the "job has not run" alert; losing one is logged, never fatal to the job.
  const record = (what: string, p: Promise<void> | undefined) => p?.catch((e: Error) => log.warn({ err: e.message, what }, 'job run not recorded'));
  void record('register', o.runs?.register(jobs.map((j) => j.name), now()));
  const tasks = jobs.map((j) =>
    cron.schedule(
      j.cron,
      () => {
        if (running.has(j.name)) return;
        const started = Date.now();
        const p = (j.guard ?? unguarded)(j.run)
          .then((outcome) => {
            metrics?.jobRuns.inc({ job: j.name, outcome: outcome.ran ? 'ok' : 'skipped' });
            if (!outcome.ran) return log.debug({ job: j.name, reason: outcome.reason }, 'job run skipped');
            log.debug({ job: j.name, ms: Date.now() - started, result: outcome.result }, 'job run finished');
            metrics?.jobDuration.observe({ job: j.name }, (Date.now() - started) / 1000);
            metrics?.jobLastSuccess.set({ job: j.name }, Date.now() / 1000);
            return record('ok', o.runs?.recordOk(j.name, now(), Date.now() - started));
          })
          .catch((e: Error) => {
            metrics?.jobRuns.inc({ job: j.name, outcome: 'failed' });
            log.error({ job: j.name, err: e.message }, 'job run failed');
            return record('failed', o.runs?.recordFailed(j.name, now(), e.message));
          })
          .finally(() => running.delete(j.name));
        running.set(j.name, p);
      },
      { timezone: 'Asia/Shanghai', name: j.name },
    ),
  );
  return {
    async stop() {
      for (const t of tasks) await t.stop();
      await Promise.all(running.values());
    },
  };
}

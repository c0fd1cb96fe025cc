import cron from 'node-cron';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { JobRunLog } from '../domain/alert/alert.ports.js';

export interface ScheduledJob {
  name: string;
  /** node-cron expression (six fields: seconds first). */
  cron: string;
  run: () => Promise<unknown>;
  /** How often the cron expression fires; the job_stale alert measures lateness against it. */
  everyMs?: number;
}

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
        const p = j
          .run()
          .then((result) => {
            const skipped = !!result && typeof result === 'object' && 'skipped' in result;
            metrics?.jobRuns.inc({ job: j.name, outcome: skipped ? 'skipped' : 'ok' });
            log.debug({ job: j.name, ms: Date.now() - started, result }, 'job run finished');
            if (!skipped) {
              metrics?.jobDuration.observe({ job: j.name }, (Date.now() - started) / 1000);
              metrics?.jobLastSuccess.set({ job: j.name }, Date.now() / 1000);
              return record('ok', o.runs?.recordOk(j.name, now(), Date.now() - started));
            }
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

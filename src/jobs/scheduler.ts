import cron from 'node-cron';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';

export interface ScheduledJob {
  name: string;
  /** node-cron expression (six fields: seconds first). */
  cron: string;
  run: () => Promise<unknown>;
}

/**
 * The one list of schedules, in Asia/Shanghai time. A tick is skipped while the previous run
 * of the same job is still going, so a slow run never piles up.
 */
export function startScheduler(jobs: ScheduledJob[], log: Logger, metrics?: Metrics): { stop(): Promise<void> } {
  const running = new Map<string, Promise<unknown>>();
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
            if (!skipped) {
              metrics?.jobDuration.observe({ job: j.name }, (Date.now() - started) / 1000);
              metrics?.jobLastSuccess.set({ job: j.name }, Date.now() / 1000);
            }
            log.debug({ job: j.name, ms: Date.now() - started, result }, 'job run finished');
          })
          .catch((e: Error) => {
            metrics?.jobRuns.inc({ job: j.name, outcome: 'failed' });
            log.error({ job: j.name, err: e.message }, 'job run failed');
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

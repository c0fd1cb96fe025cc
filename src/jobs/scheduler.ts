import cron from 'node-cron';
import type { Logger } from '../shared/logger.js';

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
export function startScheduler(jobs: ScheduledJob[], log: Logger): { stop(): Promise<void> } {
  const running = new Map<string, Promise<unknown>>();
  const tasks = jobs.map((j) =>
    cron.schedule(
      j.cron,
      () => {
        if (running.has(j.name)) return;
        const started = Date.now();
        const p = j
          .run()
          .then((result) => log.debug({ job: j.name, ms: Date.now() - started, result }, 'job run finished'))
          .catch((e: Error) => log.error({ job: j.name, err: e.message }, 'job run failed'))
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

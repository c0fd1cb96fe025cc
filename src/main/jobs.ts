import { scheduleOf } from '../jobs/schedule.js';
import { startScheduler } from '../jobs/scheduler.js';
import { createSiyu } from './compose.js';
import { runRole } from './process.js';

// Scheduled work. Safe to run more than once: each job takes a lock per run and claims its
// rows with leases.
await runRole('jobs', async (config, log) => {
  const siyu = await createSiyu(config, { log, http: false });
  await siyu.journeys.service.ensureDefaults();
  const scheduler = startScheduler(scheduleOf(siyu), log, siyu.metrics, { runs: siyu.monitoring.jobRuns, now: () => siyu.clock.now() });
  log.info('jobs role started');
  return {
    close: async () => {
      await scheduler.stop();
      await siyu.close();
    },
  };
});

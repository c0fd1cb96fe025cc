import { scheduleOf } from '../jobs/schedule.js';
import { startScheduler } from '../jobs/scheduler.js';
import { createJobsGraph } from './compose.js';
import { metricsAccess } from '../http/metrics-access.js';
import { startMetricsServer } from './metrics-server.js';
import { runRole } from './process.js';

// Scheduled work. Safe to run more than once: each job takes a lock per run and claims its
// rows with leases.
await runRole('jobs', async (config, log) => {
  const siyu = await createJobsGraph(config, { log });
  await siyu.journeys.service.ensureDefaults();
  const scheduler = startScheduler(scheduleOf(siyu), log, siyu.metrics, { runs: siyu.monitoring.jobRuns, now: () => siyu.clock.now() });
  const scrape = config.metricsPort ? await startMetricsServer(siyu.metrics, config.metricsHost ?? config.host, config.metricsPort, metricsAccess({ token: config.metricsToken, open: true })) : undefined;
  log.info({ metricsPort: scrape?.port }, 'jobs role started');
  return {
    close: async () => {
      await scrape?.close();
      await scheduler.stop();
      await siyu.close();
    },
  };
});

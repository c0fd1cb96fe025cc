import { startScheduler } from '../jobs/scheduler.js';
import { createSiyu } from './compose.js';
import { runRole } from './process.js';

// Scheduled work. Safe to run more than once: each job claims its rows with leases.
await runRole('jobs', async (config, log) => {
  const siyu = await createSiyu(config, { log, http: false });
  const scheduler = startScheduler(
    [
      { name: 'callback-event-sweep', cron: '*/5 * * * * *', run: () => siyu.processor.sweep() },
      { name: 'channel-sync-retry', cron: '0 * * * * *', run: () => siyu.channels.retryFailedSyncs() },
      { name: 'channel-daily-caps', cron: '30 * * * * *', run: () => siyu.channels.applyDailyCaps() },
      { name: 'room-pool-sync-retry', cron: '15 * * * * *', run: () => siyu.roomPools.retryFailedSyncs() },
    ],
    log,
  );
  log.info('jobs role started');
  return {
    close: async () => {
      await scheduler.stop();
      await siyu.close();
    },
  };
});

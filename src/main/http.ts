import { createSiyu } from './compose.js';
import { runRole } from './process.js';

// The stateless HTTP role (PM2 may run it in cluster mode). Migrations are the migrate role's job.
// It also processes the callbacks it accepts; retries of due events belong to the jobs role.
await runRole('http', async (config, log) => {
  const siyu = await createSiyu(config, { log, migrate: config.sandbox });
  log.info({ url: siyu.url }, 'http role started');
  return siyu;
});

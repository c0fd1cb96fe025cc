import { createSiyu } from './compose.js';
import { runRole } from './process.js';

// http + jobs (+ bot, once it exists) in one process: what `npm start` runs on the embedded default.
await runRole('all', async (config, log) => {
  const siyu = await createSiyu(config, { log, migrate: true, sweepIntervalMs: 5000 });
  log.info(
    { url: siyu.url, db: config.db.mysqlUrl ? 'mysql' : config.db.sqliteFile, cache: siyu.cache.kind, sandbox: config.sandbox },
    'siyu started',
  );
  if (config.sandbox) {
    log.info(
      { adminKeyFile: 'data/dev-secrets.json', try: `curl -H "Authorization: Bearer <adminApiKey>" ${siyu.url}/healthz` },
      'sandbox mode: WeCom is the built-in emulator; see README "Try it by hand"',
    );
  }
  return siyu;
});

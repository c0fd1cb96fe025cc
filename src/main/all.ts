import { startBotRole } from './bot-role.js';
import { scheduleOf } from '../jobs/schedule.js';
import { startScheduler } from '../jobs/scheduler.js';
import { createSiyu } from './compose.js';
import { runRole } from './process.js';

// http + jobs + bot in one process: what `npm start` runs on the embedded default. The bot runs
// here with the mock puppet in sandbox mode, or with a real puppet when a token is configured
// (config.bot.enabled, resolved in src/config/resolve.ts).
await runRole('all', async (config, log) => {
  const siyu = await createSiyu(config, { log, migrate: true });
  await siyu.journeys.service.ensureDefaults();
  const scheduler = startScheduler(scheduleOf(siyu), log, siyu.metrics, { runs: siyu.monitoring.jobRuns, now: () => siyu.clock.now() });
  log.info(
    { url: siyu.url, publicBaseUrl: siyu.publicBaseUrl, db: config.db.mysqlUrl ? 'mysql' : config.db.sqliteFile, cache: siyu.cache.kind, sandbox: config.sandbox },
    'siyu started',
  );
  if (config.sandbox) {
    log.info(
      { adminKeyFile: 'data/dev-secrets.json', try: `curl -H "Authorization: Bearer <adminApiKey>" ${siyu.url}/healthz` },
      'sandbox mode: WeCom is the built-in emulator; see README "Try it by hand"',
    );
  }
  const bot = config.bot.enabled ? await startBotRole(siyu) : undefined;
  if (!bot) log.warn('bot not started: set WECHATY_PUPPET_SERVICE_TOKEN (and not BOT_ENABLED=false) to answer chats; journeys start at the WeCom mass message');
  return {
    close: async () => {
      await scheduler.stop();
      await bot?.close();
      await siyu.close();
    },
  };
});

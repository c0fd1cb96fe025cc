import { runRole } from './process.js';

// The bot of one account: exactly one process per account (PM2 role `bot`, one instance). A
// second one finds the account's lock taken and exits 78 saying so (PM2 leaves it stopped).
// A deployment with no bot account (BOT_ENABLED=false) exits 0 at once as disabled. Wechaty
// and the rest load after that check, so a refusal or a disabled bot exits in a second.
await runRole('bot', async (config, log) => {
  if (!config.bot.enabled) return { disabled: 'no bot account in this deployment (BOT_ENABLED=false, or no WECHATY_PUPPET_SERVICE_TOKEN outside production)' };
  const [{ startBotRole }, { createBotGraph }, { metricsAccess }, { startMetricsServer }] = await Promise.all([
    import('./bot-role.js'),
    import('./compose.js'),
    import('../http/metrics-access.js'),
    import('./metrics-server.js'),
  ]);
  const siyu = await createBotGraph(config, { log });
  try {
    const bot = await startBotRole(siyu);
    const scrape = config.metricsPort ? await startMetricsServer(siyu.metrics, config.metricsHost ?? config.host, config.metricsPort, metricsAccess({ token: config.metricsToken, open: true })) : undefined;
    log.info({ account: config.bot.account, metricsPort: scrape?.port }, 'bot role started');
    return {
      close: async () => {
        await scrape?.close();
        await bot.close();
        await siyu.close();
      },
    };
  } catch (e) {
    await siyu.close();
    throw e;
  }
});

import { runRole } from './process.js';

// The bot role will own the one logged-in Wechaty per account and drain the outbox (issue 4).
// Until then it starts, says so, and exits cleanly on SIGTERM so PM2 and the docs stay stable.
await runRole('bot', async (_config, log) => {
  log.warn('bot role has no bot features yet; nothing to run');
  const keepAlive = setInterval(() => {}, 60_000);
  return { close: async () => clearInterval(keepAlive) };
});

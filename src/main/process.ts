import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../shared/logger.js';

/**
 * Runs one process role: validated config or a loud exit 1, ready signal for PM2 once started,
 * every handle closed on SIGTERM/SIGINT, unhandled rejections logged.
 */
export async function runRole(role: string, start: (config: Config, log: Logger) => Promise<{ close(): Promise<void> }>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`siyu ${role}: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger({ level: config.logLevel }).child({ role });
  process.on('unhandledRejection', (reason) => log.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection'));
  let running: { close(): Promise<void> };
  try {
    running = await start(config, log);
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'start-up failed');
    log.flush();
    process.exit(1);
  }
  process.send?.('ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    await running.close();
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

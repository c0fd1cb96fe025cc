import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';

/**
 * How a role ends, for whoever restarts it (PM2: ecosystem.config.js). A role that refuses to
 * start for a configuration reason exits 78 (EX_CONFIG in sysexits.h): starting it again changes
 * nothing until a person fixes the configuration, so PM2 lists 0 and 78 in `stop_exit_codes`
 * and leaves it stopped. Anything else (the database or Redis down at start, a crash) exits 1
 * and is restarted, with a growing delay.
 */
export const EXIT = { done: 0, failed: 1, config: 78 } as const;

/** Start-up errors that are configuration, not circumstance: the bot's puppet, a second bot for one account. */
const CONFIG_REFUSALS = new Set(['BOT.CONFIG', 'BOT.ALREADY_RUNNING']);
const isConfigRefusal = (e: unknown) => e instanceof ConfigError || (e instanceof AppError && CONFIG_REFUSALS.has(e.code));

/** What a role's start returns: its handles, or why this deployment does not run it (exit 0, left stopped). */
export type Started = { close(): Promise<void> } | { disabled: string };

/**
 * Runs one process role: validated config or a loud exit 78, ready signal for PM2 once started,
 * every handle closed on SIGTERM/SIGINT, unhandled rejections logged.
 */
export async function runRole(role: string, start: (config: Config, log: Logger) => Promise<Started>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`siyu ${role}: ${e.message}\n`);
    process.exit(EXIT.config);
  }
  const log = createLogger({ level: config.logLevel }).child({ role });
  process.on('unhandledRejection', (reason) => log.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection'));
  let started: Started;
  try {
    started = await start(config, log);
  } catch (e) {
    const refused = isConfigRefusal(e);
    log.fatal({ err: (e as Error).message, code: (e as { code?: string }).code, exitCode: refused ? EXIT.config : EXIT.failed }, refused ? 'start-up refused: configuration' : 'start-up failed');
    log.flush();
    process.exit(refused ? EXIT.config : EXIT.failed);
  }
  if ('disabled' in started) {
    log.info({ reason: started.disabled }, 'role disabled by configuration; exiting');
    log.flush();
    process.exit(EXIT.done);
  }
  const running = started;
  process.send?.('ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long, exiting');
      process.exit(EXIT.failed);
    }, 10_000);
    force.unref();
    await running.close();
    log.flush();
    process.exit(EXIT.done);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

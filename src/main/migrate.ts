import { createDb, migrateLatest } from '../persistence/db.js';
import { loadConfig, ConfigError } from '../config/config.js';
import { createLogger } from '../shared/logger.js';
import { EXIT } from './process.js';

// Deploy step: bring the schema up to date, then exit (non-zero on failure: 78 for bad configuration).
try {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel }).child({ role: 'migrate' });
  const db = createDb({ mysqlUrl: config.db.mysqlUrl, sqliteFile: config.db.sqliteFile });
  try {
    const applied = await migrateLatest(db);
    log.info({ applied }, 'migrations up to date');
  } finally {
    await db.destroy();
  }
} catch (e) {
  process.stderr.write(`siyu migrate: ${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(e instanceof ConfigError ? EXIT.config : EXIT.failed);
}

import { Writable } from 'node:stream';
import test from 'ava';
import { createLogger } from '../../src/shared/logger.js';
import { createDb } from '../../src/store/db.js';
import { backendName, freshDatabase } from '../support/backends.js';

test(`[${backendName}] the database driver's warnings go to the logger as one structured line, not to the console`, async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const db = createDb({ ...(await freshDatabase(t)), log: createLogger({ level: 'warn', destination }).child({ module: 'db' }) });
  t.teardown(() => db.destroy());
  // What knex says when a pooled connection dies (mysql2 under it), stack included.
  (db.client as { logger: { warn(m: string): void } }).logger.warn('Acquire connection error: Error: Connection lost\n    at Socket.<anonymous> (connection.js:169:31)');
  t.is(lines.length, 1);
  t.like(lines[0], { module: 'db', msg: 'database driver warning', detail: 'Acquire connection error: Error: Connection lost' });
});

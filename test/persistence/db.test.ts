import { Writable } from 'node:stream';
import test from 'ava';
import { createLogger } from '../../src/shared/logger.js';
import { createDb, dbClient, transact } from '../../src/persistence/db.js';
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

test(`[${backendName}] a transaction chosen as a deadlock victim is run again and both writers commit`, async (t) => {
  const db = createDb(await freshDatabase(t));
  t.teardown(() => db.destroy());
  await db.schema.createTable('deadlock_probe', (tb) => {
    tb.integer('id').primary();
    tb.integer('n').notNullable();
  });
  // Databases are reused between tests on MariaDB: leave no table of our own behind.
  t.teardown(() => db.schema.dropTableIfExists('deadlock_probe'));
  await db('deadlock_probe').insert([{ id: 1, n: 0 }, { id: 2, n: 0 }]);
  let runs = 0;
  if (dbClient(db) === 'mysql') {
    // Two writers take the same two rows in opposite order, each waiting until the other holds
    // its first row: InnoDB must kill one of them.
    let held = 0;
    const bothHold = async () => {
      held++;
      while (held < 2) await new Promise((r) => setTimeout(r, 5));
    };
    const writer = (first: number, second: number) =>
      transact(db, async (trx) => {
        runs++;
        await trx('deadlock_probe').where({ id: first }).increment('n', 1);
        await bothHold();
        await trx('deadlock_probe').where({ id: second }).increment('n', 1);
      });
    await Promise.all([writer(1, 2), writer(2, 1)]);
  } else {
    // SQLite serialises writers and never deadlocks; the retry is shown on the error InnoDB raises.
    await transact(db, async (trx) => {
      runs++;
      await trx('deadlock_probe').where({ id: 1 }).increment('n', 1);
      if (runs === 1) throw Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK' });
    });
    await transact(db, async (trx) => void (runs++, await trx('deadlock_probe').where({ id: 2 }).increment('n', 1)));
  }
  t.is(runs, 3, 'the victim ran a second time');
  // Nothing of the victim's first run survived: each row was incremented once per writer.
  t.deepEqual((await db('deadlock_probe').orderBy('id')).map((r: { n: number }) => Number(r.n)), dbClient(db) === 'mysql' ? [2, 2] : [1, 1]);
});

test(`[${backendName}] an error that is not a deadlock is not retried`, async (t) => {
  const db = createDb(await freshDatabase(t));
  t.teardown(() => db.destroy());
  let runs = 0;
  await t.throwsAsync(transact(db, async () => {
    runs++;
    throw Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });
  }), { message: 'Duplicate entry' });
  t.is(runs, 1);
});

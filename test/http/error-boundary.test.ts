import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import test from 'ava';
import knexFactory from 'knex';
import { createHttpApp } from '../../src/http/app.js';
import { clientOrigin } from '../../src/http/client-origin.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';

/**
 * A database that cannot hand out a connection in time is a saturated dependency, not a bug:
 * the boundary answers 503 with Retry-After so clients (and WeCom, the POS, the mini-program)
 * retry, and keeps 500 for errors of our own.
 */
test('a request whose database connection cannot be had in time answers 503 with Retry-After; a bug answers 500', async (t) => {
  const file = join(tmpdir(), `siyu-boundary-${process.pid}-${Date.now()}.sqlite`);
  const db = knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 200 });
  t.teardown(async () => {
    await db.destroy();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  });
  await db.raw('select 1');
  const r = new Router();
  r.get('/read', async (ctx) => {
    ctx.body = await db.raw('select 1 as one');
  });
  r.get('/bug', () => {
    throw new TypeError('undefined is not a function');
  });
  const app = createHttpApp({ log: createLogger({ level: 'silent' }), metrics: createMetrics(), adminApiKey: 'k'.repeat(32), originOf: clientOrigin([]), publicRoutes: [r], adminRoutes: [] });
  const server = app.listen(0, '127.0.0.1');
  t.teardown(() => new Promise<void>((done) => server.close(() => done())));
  await new Promise((ok) => server.once('listening', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  t.is((await fetch(`${base}/read`)).status, 200);
  // The pool's only connection is held by a transaction: the next query cannot get one.
  const trx = await db.transaction();
  try {
    const busy = await fetch(`${base}/read`);
    t.is(busy.status, 503);
    t.is(busy.headers.get('retry-after'), '5');
    t.like(await busy.json(), { error: { code: 'SERVICE.UNAVAILABLE', message: '服务繁忙，请稍后再试' } });
  } finally {
    await trx.rollback();
  }
  t.is((await fetch(`${base}/read`)).status, 200);
  const bug = await fetch(`${base}/bug`);
  t.is(bug.status, 500);
  t.false(bug.headers.has('retry-after'));
});

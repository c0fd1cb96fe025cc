import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { MemoryCache } from '../../src/persistence/cache/memory-cache.js';
import { cacheKeys } from '../../src/shared/cache-keys.js';
import { CacheMutex } from '../../src/persistence/cache/rate-limiter.js';
import { backendName, freshCache } from '../support/backends.js';

// The same contract for the Redis and in-process caches: this file runs against whichever the
// environment selects (CI runs it both ways).

test(`[${backendName}] setIfAbsent stores once until the ttl passes`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  // A TTL long enough that the two calls land inside it on a loaded machine (a 200 ms one did not).
  t.true(await cache.setIfAbsent(`${prefix}k`, 'a', 1_000));
  t.false(await cache.setIfAbsent(`${prefix}k`, 'b', 1_000));
  t.is(await cache.get(`${prefix}k`), 'a');
  await new Promise((r) => setTimeout(r, 1_100));
  t.is(await cache.get(`${prefix}k`), null);
  t.true(await cache.setIfAbsent(`${prefix}k`, 'c', 1_000));
});

test(`[${backendName}] incr counts within a fixed window`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  t.is(await cache.incr(`${prefix}n`, 10_000), 1);
  t.is(await cache.incr(`${prefix}n`, 10_000), 2);
  t.is(await cache.incr(`${prefix}n`, 10_000), 3);
  await cache.del(`${prefix}n`);
  t.is(await cache.incr(`${prefix}n`, 10_000), 1);
});

test(`[${backendName}] a lock has one owner, and only the owner releases or extends it`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  const a = await cache.acquireLock(`${prefix}lock`, 5_000);
  t.truthy(a);
  t.is(await cache.acquireLock(`${prefix}lock`, 5_000), null);
  t.true(await a!.extend(5_000));
  t.true(await a!.release());
  t.false(await a!.release());
  const b = await cache.acquireLock(`${prefix}lock`, 5_000);
  t.truthy(b);
  t.false(await a!.extend(5_000), 'a stale owner cannot extend a lock someone else holds');
  t.false(await a!.release(), 'a stale owner cannot release a lock someone else holds');
  t.is(await cache.get(`${prefix}lock`), b!.token);
});

test(`[${backendName}] set overwrites and del removes`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  await cache.set(`${prefix}s`, 'x', 10_000);
  await cache.set(`${prefix}s`, 'y', 10_000);
  t.is(await cache.get(`${prefix}s`), 'y');
  await cache.del(`${prefix}s`);
  t.is(await cache.get(`${prefix}s`), null);
  await t.notThrowsAsync(cache.ping());
});

test(`[${backendName}] getMany reads several keys at once, null where there is none`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  const keys = cacheKeys(prefix);
  await cache.set(keys.alertSignal('cb.ok', 1), '4', 10_000);
  await cache.set(keys.alertSignal('cb.ok', 3), '5', 10_000);
  t.deepEqual(await cache.getMany([1, 2, 3].map((m) => keys.alertSignal('cb.ok', m))), ['4', null, '5']);
  t.deepEqual(await cache.getMany([]), []);
});

test('memory cache expiry follows the injected clock', async (t) => {
  const clock = new ManualClock();
  const c = new MemoryCache(clock);
  t.teardown(() => c.close());
  await c.set('k', 'v', 1000);
  clock.advance(999);
  t.is(await c.get('k'), 'v');
  clock.advance(1);
  t.is(await c.get('k'), null);
  const lock = await c.acquireLock('l', 1000);
  clock.advance(1000);
  t.truthy(await c.acquireLock('l', 1000), 'an expired lock can be taken');
  t.false(await lock!.release());
});

test(`[${backendName}] incr by n adds n and keeps the window`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  t.is(await cache.incr(`${prefix}w`, 10_000, 5), 5);
  t.is(await cache.incr(`${prefix}w`, 10_000, 3), 8);
  t.is(await cache.incr(`${prefix}w`, 10_000), 9);
});

test(`[${backendName}] a mutex runs callers of one name one at a time and gives up on a lock held too long`, async (t) => {
  const { cache, prefix } = await freshCache(t);
  const mutex = new CacheMutex(cache, cacheKeys(prefix));
  let inside = 0;
  let most = 0;
  const work = (n: number) =>
    mutex.withLock('x', { ttlMs: 5_000, waitMs: 5_000 }, async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setImmediate(r));
      inside--;
      return n;
    });
  const results = await Promise.all([work(1), work(2), work(3)]);
  t.deepEqual(results, [{ value: 1 }, { value: 2 }, { value: 3 }]);
  t.is(most, 1);

  const held = await cache.acquireLock(cacheKeys(prefix).mutex('y'), 5_000);
  let ran = false;
  t.is(await mutex.withLock('y', { ttlMs: 5_000, waitMs: 30 }, async () => (ran = true)), undefined);
  t.false(ran);
  await held!.release();
  t.deepEqual(await mutex.withLock('y', { ttlMs: 5_000, waitMs: 30 }, async () => 'ok'), { value: 'ok' });
});

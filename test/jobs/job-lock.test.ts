import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOB_LOCK_MS, withJobLock } from '../../src/jobs/schedule.js';
import { ManualClock } from '../../src/shared/clock.js';
import { MemoryCache } from '../../src/persistence/cache/memory-cache.js';

function cacheWithClock(t: { teardown(fn: () => unknown): void }) {
  const clock = new ManualClock();
  const cache = new MemoryCache(clock);
  t.teardown(() => cache.close());
  return { clock, cache };
}

test('the lock of a job run whose process died is free again after JOB_LOCK_MS', async (t) => {
  const { clock, cache } = cacheWithClock(t);
  // What a SIGKILLed process leaves behind: the lock taken, never released nor renewed.
  t.truthy(await cache.acquireLock('lock:job:x', JOB_LOCK_MS));
  t.deepEqual(await withJobLock(cache, 'lock:job:x', async () => 'ran'), { ran: false, reason: 'another instance holds the lock' });
  clock.advance(JOB_LOCK_MS);
  t.deepEqual(await withJobLock(cache, 'lock:job:x', async () => 'ran'), { ran: true, result: 'ran' });
});

test('a run longer than the lock keeps it: a second instance is refused until the run ends', async (t) => {
  const { clock, cache } = cacheWithClock(t);
  const ttlMs = 1_000;
  let extended = 0;
  // The same cache, counting renewals.
  const spy = Object.create(cache) as MemoryCache;
  spy.acquireLock = async (key, ms) => {
    const lock = await cache.acquireLock(key, ms);
    return lock && { ...lock, extend: async (x: number) => ((extended += 1), lock.extend(x)) };
  };
  const second: unknown[] = [];
  const result = await withJobLock(
    spy,
    'lock:job:y',
    async () => {
      for (let i = 0; i < 4; i++) {
        // Half a TTL passes, then the renewal gets its turn before the other instance tries.
        clock.advance(ttlMs / 2);
        const before = extended;
        while (extended === before) await sleep(5);
        second.push(await withJobLock(cache, 'lock:job:y', async () => 'second ran', { ttlMs }));
      }
      return 'first ran';
    },
    { ttlMs, beatMs: 5 },
  );
  t.deepEqual(result, { ran: true, result: 'first ran' });
  t.deepEqual(second, Array(4).fill({ ran: false, reason: 'another instance holds the lock' }), 'two TTLs passed while the run held its lock');
  t.deepEqual(await withJobLock(cache, 'lock:job:y', async () => 'after', { ttlMs }), { ran: true, result: 'after' }, 'released when the run ended');
});

import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Cluster } from 'ioredis';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { SignalBuckets } from '../../src/persistence/alert-signals.js';
import { createCache } from '../../src/persistence/cache/create-cache.js';
import { CacheMutex, CacheRateLimiter } from '../../src/persistence/cache/rate-limiter.js';
import { RedisCache } from '../../src/persistence/cache/redis-cache.js';
import { parseRedisUrl } from '../../src/persistence/cache/redis-url.js';
import { cacheKeys } from '../../src/shared/cache-keys.js';
import { systemClock } from '../../src/shared/clock.js';
import { deleteKeys, freshPrefix, REDIS_URL } from '../support/backends.js';

// The cluster half of this file runs when REDIS_URL names a Redis Cluster (.ci/run's
// "redis-cluster" suite, on the 3 masters of .ci/redis-cluster.sh); the URL half runs always.
const isCluster = REDIS_URL !== undefined && parseRedisUrl(REDIS_URL).kind === 'cluster';
const clusterTest = isCluster ? test : test.skip;
const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) =>
  new Promise<string>((resolve, reject) => execFile(cmd, args, { env }, (e, stdout) => (e ? reject(e) : resolve(stdout))));
// Redis's refusal, or ioredis's own when auto-pipelining sends the command (it checks the slots first).
const CROSSSLOT = /CROSSSLOT|All the keys in a pipeline command should belong to the same slot/;

const configProblems = (env: Record<string, string>) => {
  try {
    loadConfig({ env: { NODE_ENV: 'test', ...env } });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

test('REDIS_URL may name a cluster by its nodes; a malformed one stops start-up with what is wrong', (t) => {
  t.deepEqual(parseRedisUrl('redis+cluster://127.0.0.1:7100,10.0.0.2:7101,[::1]:7102'), {
    kind: 'cluster',
    nodes: [
      { host: '127.0.0.1', port: 7100 },
      { host: '10.0.0.2', port: 7101 },
      { host: '::1', port: 7102 },
    ],
    tls: false,
  });
  t.deepEqual(parseRedisUrl('rediss+cluster://app:p%40ss@cache-1:6380/'), { kind: 'cluster', nodes: [{ host: 'cache-1', port: 6380 }], username: 'app', password: 'p@ss', tls: true });
  t.deepEqual(parseRedisUrl('redis://:pw@127.0.0.1:6379/2'), { kind: 'single', url: 'redis://:pw@127.0.0.1:6379/2' });

  t.is(loadConfig({ env: { NODE_ENV: 'test', REDIS_URL: 'redis+cluster://127.0.0.1:7100,127.0.0.1:7101' } }).cache.redisUrl, 'redis+cluster://127.0.0.1:7100,127.0.0.1:7101');
  for (const bad of ['redis+cluster://127.0.0.1', 'redis+cluster://a:7100,b', 'redis+cluster://a:7100;b:7101', 'redis+cluster://', 'http://127.0.0.1:6379', 'redis:/x']) {
    const problems = configProblems({ REDIS_URL: bad });
    t.true(
      problems.some((p) => p.startsWith('cache.redisUrl: must be redis://host:port, or redis+cluster://host:port,host:port')),
      `${bad}: ${problems.join('; ')}`,
    );
    t.throws(() => parseRedisUrl(bad), { message: /^REDIS_URL must be redis:\/\/host:port/ });
  }
  t.true(configProblems({ CACHE_PREFIX: 'siyu{a}:' }).some((p) => p.startsWith('cache.prefix: must not contain { or }')));
});

async function clusterCache(t: { teardown(fn: () => unknown): void }, prefix: string): Promise<RedisCache> {
  const cache = (await createCache({ redisUrl: REDIS_URL!, clock: systemClock })) as RedisCache;
  t.teardown(async () => {
    await deleteKeys(cache, `${prefix}*`);
    await cache.close();
  });
  return cache;
}

async function slotOf(cache: RedisCache, key: string): Promise<number> {
  return Number(await (cache.redis as Cluster).cluster('KEYSLOT', key));
}

/** One name per master whose key (built by `key`) lands on that master. */
async function namesOnEveryMaster(cache: RedisCache, key: (name: string) => string): Promise<Map<string, string>> {
  const byMaster = new Map<string, string>();
  for (let i = 0; byMaster.size < 3 && i < 200; i++) {
    const name = `n${i}`;
    // The master ("host:port") the client sends this slot's commands to.
    const owner = (cache.redis as Cluster).slots[await slotOf(cache, key(name))]![0]!;
    if (!byMaster.has(owner)) byMaster.set(owner, name);
  }
  return byMaster;
}

clusterTest('locks and mutexes whose keys land on three different masters each have one owner across two instances', async (t) => {
  const prefix = freshPrefix();
  const keys = cacheKeys(prefix);
  // Two instances of the app, each with its own cluster client.
  const a = await clusterCache(t, prefix);
  const b = await clusterCache(t, prefix);
  const names = await namesOnEveryMaster(a, keys.mutex);
  t.is(names.size, 3, 'the cluster has three masters and the names reach all of them');

  for (const name of names.values()) {
    const [la, lb] = await Promise.all([a.acquireLock(keys.mutex(name), 5_000), b.acquireLock(keys.mutex(name), 5_000)]);
    t.true((la === null) !== (lb === null), `exactly one instance holds ${name}`);
    const held = (la ?? lb)!;
    const other = la ? b : a;
    t.is(await other.acquireLock(keys.mutex(name), 5_000), null);
    t.true(await held.extend(5_000));
    t.true(await held.release());
    const next = await other.acquireLock(keys.mutex(name), 5_000);
    t.truthy(next, 'released on its master, the lock is free for the other instance');
    t.false(await held.release(), 'a stale owner cannot release it');
    t.true(await next!.release());
  }

  // The same critical sections entered from both instances at once, on all three masters together.
  const mutexes = [new CacheMutex(a, keys), new CacheMutex(b, keys)];
  const inside = new Map<string, number>();
  let overlap = 0;
  const runs = [...names.values()].flatMap((name) =>
    [0, 1, 2, 3].map((i) =>
      mutexes[i % 2]!.withLock(name, { ttlMs: 5_000, waitMs: 10_000 }, async () => {
        inside.set(name, (inside.get(name) ?? 0) + 1);
        if (inside.get(name)! > 1) overlap++;
        await new Promise((r) => setTimeout(r, 5));
        inside.set(name, inside.get(name)! - 1);
        return name;
      }),
    ),
  );
  const results = await Promise.all(runs);
  t.is(overlap, 0, 'no two callers were ever inside one name together');
  t.is(results.filter((r) => r !== undefined).length, 12);
});

clusterTest('rate windows whose keys land on three different masters count every hit of both instances', async (t) => {
  const prefix = freshPrefix();
  const keys = cacheKeys(prefix);
  const a = await clusterCache(t, prefix);
  const b = await clusterCache(t, prefix);
  const windowMs = 3_600_000;
  const window = Math.floor(Date.now() / windowMs);
  const names = await namesOnEveryMaster(a, (name) => keys.rate(name, window));
  t.is(names.size, 3);
  const limiters = [new CacheRateLimiter(a, keys, systemClock), new CacheRateLimiter(b, keys, systemClock)];
  for (const name of names.values()) {
    // 10 hits against a limit of 4, from both instances at once: exactly 4 pass, whoever sends them.
    const hits = await Promise.all(Array.from({ length: 10 }, (_, i) => limiters[i % 2]!.take(name, 4, windowMs)));
    t.is(hits.filter((h) => h.allowed).length, 4, name);
    t.true(hits.every((h) => h.retryAfterMs > 0 && h.retryAfterMs <= windowMs));
  }
  // The counters expire with their window.
  const [name] = names.values();
  const ttl = await (a.redis as Cluster).pttl(keys.rate(name!, Math.floor(Date.now() / windowMs)));
  t.true(ttl > 0 && ttl <= windowMs + 1000);
});

clusterTest('an alert window is one MGET: CROSSSLOT with untagged minute keys, one slot with the catalogue', async (t) => {
  const prefix = freshPrefix();
  const keys = cacheKeys(prefix);
  const cache = await clusterCache(t, prefix);
  const minute = Math.floor(Date.now() / 60_000);
  const minutes = Array.from({ length: 121 }, (_, i) => minute - i);

  // The key form before hash tags: a 120-minute window spreads over every master.
  const untagged = minutes.map((m) => `${prefix}sig:cb.failed:${m}`);
  await t.throwsAsync(cache.getMany(untagged), { message: CROSSSLOT });

  const tagged = minutes.map((m) => keys.alertSignal('cb.failed', m));
  t.is(new Set(await Promise.all(tagged.map((k) => slotOf(cache, k)))).size, 1, "a signal's minutes share one slot");
  const otherSignals = await Promise.all(['cb.ok', 'api.all', 'api.45009', 'ob.failed', 'ev.failed'].map((s) => slotOf(cache, keys.alertSignal(s, minute))));
  t.true(new Set(otherSignals).size > 1, 'different signals still spread over the slots');

  const buckets = new SignalBuckets(cache, keys);
  const now = Date.now();
  await buckets.add('cb.failed', 3, now);
  await buckets.add('cb.failed', 2, now - 60 * 60_000);
  await buckets.add('cb.failed', 7, now - 119 * 60_000);
  await buckets.add('cb.ok', 100, now);
  t.is(await buckets.sum('cb.failed', now - 120 * 60_000, now), 12);
  t.is(await buckets.sum('cb.failed', now - 30 * 60_000, now), 3);
  t.deepEqual(await cache.getMany([]), []);
});

clusterTest("a test's keys are found on every master (KEYS on the cluster client sees one node's)", async (t) => {
  const prefix = freshPrefix();
  const cache = await clusterCache(t, prefix);
  await Promise.all(Array.from({ length: 30 }, (_, i) => cache.set(`${prefix}k${i}`, 'x', 60_000)));
  const oneNode = await cache.redis.keys(`${prefix}*`);
  t.true(oneNode.length < 30, `KEYS answered ${oneNode.length} of 30`);
  await t.throwsAsync(cache.redis.del(...oneNode, `${prefix}k-elsewhere`, `${prefix}k-and-elsewhere`), { message: CROSSSLOT });
  t.is(await deleteKeys(cache, `${prefix}*`), 30);
  t.deepEqual(await cache.getMany([`${prefix}k0`]), [null]);
  t.is(await deleteKeys(cache, `${prefix}*`), 0);
});

clusterTest('with one master gone, ping fails (so /healthz says 503) and its keys fail fast instead of hanging', async (t) => {
  // A cluster of this test's own: the shared one must keep all its masters.
  const script = fileURLToPath(new URL('../../.ci/redis-cluster.sh', import.meta.url));
  const env = { ...process.env, REDIS_CLUSTER_PORTS: '7110 7111 7112', REDIS_CLUSTER_DIR: join(tmpdir(), 'siyu-redis-cluster-down') };
  const stdout = await run('bash', [script], env);
  t.teardown(() => run('bash', [script, 'stop'], env));
  const prefix = freshPrefix();
  const cache = (await createCache({ redisUrl: stdout.trim().split('\n').pop()!, clock: systemClock })) as RedisCache;
  t.teardown(() => cache.close());
  await t.notThrowsAsync(cache.ping());
  const names = await namesOnEveryMaster(cache, (n) => `${prefix}${n}`);
  for (const n of names.values()) await cache.set(`${prefix}${n}`, n, 60_000);

  const [gone, onGone] = [...names][0]!;
  const [host, port] = gone.split(':');
  await run('redis-cli', ['-h', host!, '-p', port!, 'shutdown', 'nosave']).catch(() => undefined);

  let pingFailed = false;
  for (let i = 0; i < 100 && !pingFailed; i++) {
    pingFailed = await cache.ping().then(
      () => false,
      () => true,
    );
    if (!pingFailed) await new Promise((r) => setTimeout(r, 200));
  }
  t.true(pingFailed, 'ping reports the cluster unhealthy');
  await t.throwsAsync(cache.get(`${prefix}${onGone}`));
});

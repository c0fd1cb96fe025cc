import { createHash } from 'node:crypto';
import test from 'ava';
import { parseQrOptions, qrCacheKey, RenderCache, renderQr } from '../../../src/integrations/qr/index.js';
import { CONTACT_URL } from './qr-fixtures.js';

const sha1Etag = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex')}"`;

/** A render whose completion the test controls, counting how often it was started. */
function gatedRender(bytes: Buffer) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = {
    calls: 0,
    release,
    render: async () => {
      state.calls++;
      await gate;
      return bytes;
    },
  };
  return state;
}

/** A render of `n` bytes of `fill`, counting its calls in `counts[key]`. */
function counted(counts: Record<string, number>, key: string, n: number) {
  return async () => {
    counts[key] = (counts[key] ?? 0) + 1;
    return Buffer.alloc(n, key);
  };
}

test('20 concurrent requests for one QR render it once and share bytes and ETag', async (t) => {
  const cache = new RenderCache();
  const opts = parseQrOptions({ format: 'png', size: '512' });
  let renders = 0;
  const render = () => {
    renders++;
    return renderQr(CONTACT_URL, opts);
  };
  const results = await Promise.all(Array.from({ length: 20 }, () => cache.getOrRender(qrCacheKey(CONTACT_URL, opts), render)));
  t.is(renders, 1);
  const first = results[0]!;
  t.true(results.every((r) => r.bytes === first.bytes && r.etag === first.etag));
  t.is(first.etag, sha1Etag(first.bytes));
  t.is(cache.size, 1);
  t.is(cache.bytes, first.bytes.length);
});

test('the ETag is the quoted SHA-1 of the bytes: stable across hits and caches, new for new bytes', async (t) => {
  const a = new RenderCache();
  const b = new RenderCache();
  const svg = () => renderQr(CONTACT_URL, parseQrOptions({ format: 'svg' }));
  const first = await a.getOrRender('k', svg);
  t.regex(first.etag, /^"[0-9a-f]{40}"$/);
  t.is((await a.getOrRender('k', svg)).etag, first.etag);
  t.is((await b.getOrRender('other key', svg)).etag, first.etag);
  const other = await a.getOrRender('k2', () => renderQr(CONTACT_URL + '?x', parseQrOptions({ format: 'svg' })));
  t.not(other.etag, first.etag);
});

test('callers wait for the render in flight and nobody starts a second one', async (t) => {
  const cache = new RenderCache();
  const gated = gatedRender(Buffer.from('png'));
  const waiting = Array.from({ length: 5 }, () => cache.getOrRender('k', gated.render));
  await Promise.resolve();
  t.is(cache.size, 0, 'nothing cached before the render ends');
  gated.release();
  const results = await Promise.all(waiting);
  t.is(gated.calls, 1);
  t.true(results.every((r) => r.bytes.toString() === 'png'));
});

test('over maxBytes the least recently used entry goes first', async (t) => {
  const cache = new RenderCache({ maxBytes: 30 });
  const counts: Record<string, number> = {};
  for (const key of ['a', 'b', 'c']) await cache.getOrRender(key, counted(counts, key, 10));
  t.deepEqual([cache.size, cache.bytes], [3, 30]);

  await cache.getOrRender('a', counted(counts, 'a', 10)); // a is now the most recently used
  await cache.getOrRender('d', counted(counts, 'd', 10)); // evicts b, the least recently used
  t.deepEqual([cache.size, cache.bytes], [3, 30]);

  for (const key of ['a', 'c', 'd']) await cache.getOrRender(key, counted(counts, key, 10));
  t.deepEqual(counts, { a: 1, b: 1, c: 1, d: 1 }, 'a, c and d were still cached');
  await cache.getOrRender('b', counted(counts, 'b', 10));
  t.is(counts['b'], 2, 'b was evicted and rendered again');
});

test('a large entry evicts as many old ones as it needs', async (t) => {
  const cache = new RenderCache({ maxBytes: 30 });
  const counts: Record<string, number> = {};
  for (const key of ['a', 'b', 'c']) await cache.getOrRender(key, counted(counts, key, 10));
  await cache.getOrRender('big', counted(counts, 'big', 25));
  t.deepEqual([cache.size, cache.bytes], [1, 25]);
});

test('an entry larger than the whole budget is returned but not cached', async (t) => {
  const cache = new RenderCache({ maxBytes: 30 });
  const counts: Record<string, number> = {};
  await cache.getOrRender('a', counted(counts, 'a', 10));
  const huge = await cache.getOrRender('huge', counted(counts, 'huge', 31));
  t.is(huge.bytes.length, 31);
  t.deepEqual([cache.size, cache.bytes], [1, 10], 'a was not flushed for nothing');
});

test('a failed render reaches every waiter, is not cached, and the next call retries', async (t) => {
  const cache = new RenderCache();
  let calls = 0;
  const failing = async () => {
    calls++;
    throw new Error('render failed');
  };
  const results = await Promise.allSettled(Array.from({ length: 3 }, () => cache.getOrRender('k', failing)));
  t.true(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'render failed'));
  t.is(calls, 1);
  t.is(cache.size, 0);
  const ok = await cache.getOrRender('k', async () => Buffer.from('ok'));
  t.is(ok.bytes.toString(), 'ok');
});

test('a render that throws synchronously rejects instead of throwing', async (t) => {
  const cache = new RenderCache();
  const render = (): Promise<Buffer> => {
    throw new Error('sync');
  };
  await t.throwsAsync(cache.getOrRender('k', render), { message: 'sync' });
});

test('clear() empties the cache and a render started before it does not refill it', async (t) => {
  const cache = new RenderCache();
  await cache.getOrRender('a', async () => Buffer.from('aaa'));
  const stale = gatedRender(Buffer.from('old'));
  const before = cache.getOrRender('k', stale.render);
  await Promise.resolve();
  cache.clear();
  t.deepEqual([cache.size, cache.bytes], [0, 0]);

  const fresh = cache.getOrRender('k', async () => Buffer.from('new'));
  stale.release();
  t.is((await before).bytes.toString(), 'old', 'the early caller still gets its answer');
  t.is((await fresh).bytes.toString(), 'new', 'a caller after clear() does not join the stale render');
  t.is((await cache.getOrRender('k', async () => Buffer.from('again'))).bytes.toString(), 'new');
});

test('maxBytes must be positive', (t) => {
  for (const maxBytes of [0, -1, Number.NaN]) t.throws(() => new RenderCache({ maxBytes }), { instanceOf: RangeError });
});

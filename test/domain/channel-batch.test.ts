import test from 'ava';
import { startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const template = { kind: 'elevator' as const, staffUserIds: ['rep001'], welcomeText: '您好', tags: [] };

/** `n` values in an array that remembers whether anything but its length was read. */
function watched(n: number, prefix: string) {
  const seen = { read: false };
  const values = new Proxy(Array.from({ length: n }, (_, i) => `${prefix}${i}`), {
    get(target, prop, receiver) {
      if (prop !== 'length') seen.read = true;
      return Reflect.get(target, prop, receiver);
    },
  });
  return { values, seen };
}

for (const dims of [3, 4]) {
  test(`${b} a ${dims} × 100 placement matrix is refused from the counts alone, before any combination is made`, async (t) => {
    const siyu = await startApp(t);
    const ws = Array.from({ length: dims }, (_, i) => watched(100, `v${i}-`));
    const dimensions = Object.fromEntries(ws.map((w, i) => [`d${i}`, w.values]));
    const namePattern = ws.map((_, i) => `{d${i}}`).join('-');
    const e = await t.throwsAsync(siyu.channels.createBatch({ batchKey: 'big', namePattern, dimensions, template }));
    t.like(e, { code: 'CHANNEL.BATCH_TOO_LARGE' });
    t.true(e!.message.includes(`${100 ** dims}`), e!.message);
    t.true(ws.every((w) => !w.seen.read), 'no value was read, so nothing was expanded');
    t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 0);
  });
}

test(`${b} more dimensions than allowed are refused before the matrix is looked at`, async (t) => {
  const siyu = await startApp(t);
  const ws = Array.from({ length: 5 }, (_, i) => watched(1, `v${i}-`));
  const dimensions = Object.fromEntries(ws.map((w, i) => [`d${i}`, w.values]));
  const e = await t.throwsAsync(siyu.channels.createBatch({ batchKey: 'wide', namePattern: ws.map((_, i) => `{d${i}}`).join(''), dimensions, template }));
  t.like(e, { code: 'CHANNEL.BATCH_DIMENSIONS' });
  t.regex(e!.message, /1 到 4 个/);
  t.true(ws.every((w) => !w.seen.read));
});

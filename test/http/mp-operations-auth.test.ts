import test from 'ava';
import { MP_CORE_PATHS } from '../../src/http/routes/mp-operations-openapi.js';
import { backendName } from '../support/backends.js';
import { mpFootprint, mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;

test(`${b} every mp-operations endpoint answers 401 without a token or with a bad one, and writes nothing`, async (t) => {
  const w = await mpWorld(t);
  const customerId = await w.customer('甲', w.stores.s1, 'rep1a');
  const channel = (await w.as('mgr1', 'POST', '/channels', { name: '柜台', kind: 'counter', staffUserIds: ['rep1a'], welcomeText: '欢迎', tags: [] })).json;
  const before = await mpFootprint(w.siyu);
  const ops = Object.entries(MP_CORE_PATHS).flatMap(([path, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), path] as const));
  t.true(ops.length >= 13);
  for (const [method, template] of ops) {
    const path = template.replace('/api/mp', '').replace('{id}', String(template.includes('customers') ? customerId : channel.id));
    const body = method === 'GET' ? undefined : { customerId, amountFen: 100, note: 'x' };
    for (const token of [undefined, 'not-a-token']) {
      const r = await w.call(method, path, { token, body });
      t.is(r.status, 401, `${method} ${path}`);
      t.is(r.json.error.code, 'MP.UNAUTHORIZED', `${method} ${path}`);
    }
  }
  t.deepEqual(await mpFootprint(w.siyu), before);
});

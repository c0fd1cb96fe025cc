import test, { type ExecutionContext } from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { startApp } from '../support/app.js';
import { addStore, loginAs, mp, saveStaff } from '../support/mp.js';
import { STAFF, type Who } from '../support/mp-world.js';


/** Two stores, their staff logged in, customers and open tasks owned by different reps. */
async function world(t: ExecutionContext) {
  const siyu = await startApp(t);
  const stores = { s1: await addStore(siyu, 's1'), s2: await addStore(siyu, 's2') };
  for (const s of STAFF) await saveStaff(siyu, { wecomUserId: s.wecomUserId, role: s.role, storeId: s.store ? stores[s.store] : null });
  const tokens = {} as Record<Who, string>;
  const refresh = {} as Record<Who, string>;
  for (const s of STAFF) ({ accessToken: tokens[s.wecomUserId], refreshToken: refresh[s.wecomUserId] } = await loginAs(siyu, s.wecomUserId));
  const pii = new PiiCipher(siyu.config.piiKey);
  const customer = async (name: string, storeId: number, owner: string, phone: string) => {
    const [id] = await siyu.db('customers').insert({ name, store_id: storeId, owner_userid: owner, stage: 'new', phone_enc: pii.encrypt(phone), phone_tail: phone.slice(-4), created_at: 1, updated_at: 1 });
    return Number(id);
  };
  const c = { c1: await customer('张三', stores.s1, 'rep1a', '13800001234'), c2: await customer('李四', stores.s1, 'rep1b', '13900005678'), c3: await customer('王五', stores.s2, 'rep2', '13700009999') };
  await siyu.db('customers').where({ id: c.c2 }).update({ stage: 'repeat' });
  const [tagId] = await siyu.db('tags').insert({ group_name: '客户行为', name: '已购买', kind: 'behaviour', created_at: 1 });
  await siyu.db('customer_tags').insert({ customer_id: c.c1, tag_id: tagId, source: 'order', created_at: 1 });
  await siyu.db('customer_events').insert(Array.from({ length: 60 }, (_, i) => ({ customer_id: c.c1, kind: 'message_in', data: JSON.stringify({ n: i }), occurred_at: 1000 + i })));
  const task = async (storeId: number, staff: string, customerId: number) => {
    const [id] = await siyu.db('tasks').insert({ store_id: storeId, customer_id: customerId, staff_userid: staff, kind: 'followup', title: `回访 ${staff}`, due_at: 5, status: 'open', created_at: 1 });
    return Number(id);
  };
  const k = { t1: await task(stores.s1, 'rep1a', c.c1), t2: await task(stores.s1, 'rep1b', c.c2), t3: await task(stores.s2, 'rep2', c.c3) };
  const call = mp(siyu);
  const as = (who: Who, method: string, path: string, body?: unknown) => call(method, path, { token: tokens[who], body });
  return { siyu, stores, c, k, as, call, tokens, refresh };
}

/** Everything an /api/mp call could write, to prove a refused call wrote nothing. */
async function footprint(siyu: Siyu) {
  return {
    tasks: await siyu.db('tasks').orderBy('id').select('id', 'status', 'outcome', 'done_at'),
    audit: Number((await siyu.db('audit_log').count({ n: '*' }))[0]!.n),
    customers: await siyu.db('customers').orderBy('id').select('id', 'name', 'stage', 'store_id', 'owner_userid', 'phone_enc', 'updated_at'),
  };
}

const ids = (r: { json: { items: Array<{ id: number }> } }) => r.json.items.map((i) => i.id).sort((a, b) => a - b);

test('customer lists are scoped: HQ all stores, a manager their store, a rep their own customers', async (t) => {
  const { as, c } = await world(t);
  t.deepEqual(ids(await as('hq', 'GET', '/customers')), [c.c1, c.c2, c.c3]);
  t.deepEqual(ids(await as('mgr1', 'GET', '/customers')), [c.c1, c.c2]);
  t.deepEqual(ids(await as('mgr2', 'GET', '/customers')), [c.c3]);
  t.deepEqual(ids(await as('rep1a', 'GET', '/customers')), [c.c1]);
  const one = await as('rep1a', 'GET', '/customers');
  t.like(one.json, { total: 1, limit: 20, offset: 0 });
  t.like(one.json.items[0], { name: '张三', phoneMasked: '138****1234', stage: 'new', tags: ['已购买'], ownerUserId: 'rep1a' });
  t.false(JSON.stringify(one.json).includes('13800001234'));
});

test('the customer list filters by name, phone tail, tag and stage and pages within the scope', async (t) => {
  const { as, c } = await world(t);
  t.deepEqual(ids(await as('hq', 'GET', '/customers?q=' + encodeURIComponent('李'))), [c.c2]);
  t.deepEqual(ids(await as('hq', 'GET', '/customers?q=9999')), [c.c3]);
  t.deepEqual(ids(await as('mgr1', 'GET', '/customers?q=9999')), [], 'a phone tail of another store finds nothing');
  t.deepEqual(ids(await as('hq', 'GET', '/customers?tag=' + encodeURIComponent('已购买'))), [c.c1]);
  t.deepEqual(ids(await as('hq', 'GET', '/customers?stage=repeat')), [c.c2]);
  const page = await as('hq', 'GET', '/customers?limit=2&offset=2');
  t.like(page.json, { total: 3, limit: 2, offset: 2 });
  t.is(page.json.items.length, 1);
  const bad = await as('hq', 'GET', '/customers?limit=0&stage=vip');
  t.is(bad.status, 400);
  t.is(bad.json.error.code, 'REQUEST.INVALID');
});

test('a customer detail shows the masked phone and the last 50 timeline entries to those who may see it', async (t) => {
  const { as, c } = await world(t);
  const d = await as('rep1a', 'GET', `/customers/${c.c1}`);
  t.is(d.status, 200);
  t.is(d.json.phoneMasked, '138****1234');
  t.is(d.json.timeline.length, 50);
  t.deepEqual(d.json.timeline[0].data, { n: 59 });
  t.false(JSON.stringify(d.json).includes('13800001234'));
  t.is((await as('hq', 'GET', `/customers/${c.c3}`)).status, 200);
  t.is((await as('mgr1', 'GET', `/customers/${c.c2}`)).status, 200);
});

test('revealing a phone is for HQ and managers in scope, and each reveal is audited', async (t) => {
  const { siyu, as, c, stores } = await world(t);
  const r = await as('mgr1', 'POST', `/customers/${c.c1}/reveal-phone`);
  t.is(r.status, 200);
  t.deepEqual(r.json, { phone: '13800001234' });
  t.is((await as('hq', 'POST', `/customers/${c.c3}/reveal-phone`)).json.phone, '13700009999');
  const rows = await siyu.db('audit_log').orderBy('id');
  t.is(rows.length, 2);
  const mgr1 = await siyu.db('staff').where({ wecom_userid: 'mgr1' }).first('id');
  t.like(rows[0], { action: 'customer.reveal_phone', target_type: 'customer', target_id: String(c.c1) });
  t.is(Number(rows[0].staff_id), Number(mgr1.id));
  t.true(Number(rows[0].at) > 0);
  // A keyed hash, never the address: hex only, and the same address gives the same hash.
  t.regex(rows[0].ip_hash, /^[0-9a-f]{32}$/);
  t.is(rows[1].ip_hash, rows[0].ip_hash);
  t.deepEqual(JSON.parse(rows[0].detail), { role: 'store_manager', storeId: stores.s1 });
});

test('open tasks: mine for everyone, the store for managers and HQ; completing records the outcome once', async (t) => {
  const { as, k } = await world(t);
  t.deepEqual(ids(await as('rep1a', 'GET', '/tasks')), [k.t1]);
  t.deepEqual(ids(await as('mgr1', 'GET', '/tasks?scope=store')), [k.t1, k.t2]);
  t.deepEqual(ids(await as('mgr1', 'GET', '/tasks?scope=mine')), []);
  t.deepEqual(ids(await as('hq', 'GET', '/tasks?scope=store')), [k.t1, k.t2, k.t3]);
  const done = await as('rep1a', 'POST', `/tasks/${k.t1}/complete`, { outcome: '已电话回访，下周到店' });
  t.is(done.status, 200);
  t.like(done.json, { id: k.t1, status: 'done', outcome: '已电话回访，下周到店' });
  const again = await as('rep1a', 'POST', `/tasks/${k.t1}/complete`, { outcome: '再来一次' });
  t.is(again.status, 409);
  t.is(again.json.error.code, 'MP.TASK_CLOSED');
  t.deepEqual(ids(await as('rep1a', 'GET', '/tasks')), []);
  t.is((await as('mgr1', 'POST', `/tasks/${k.t2}/complete`, { outcome: '店长代为完成' })).status, 200);
  t.is((await as('rep1a', 'POST', `/tasks/${k.t1}/complete`, {})).status, 400);
});

test('every /api/mp endpoint refuses another store and a lower role (404 for ids, 403 for role gates) and writes nothing', async (t) => {
  const { siyu, as, call, c, k, refresh } = await world(t);
  const before = await footprint(siyu);
  const missing = 99_999_999;
  // [who, method, path, body, status, code]: ids outside the caller's scope read exactly like missing ids.
  const cases: Array<[Who, string, string, unknown, number, string]> = [
    ['mgr2', 'GET', `/customers/${c.c1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep1b', 'GET', `/customers/${c.c1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep2', 'GET', `/customers/${c.c1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'GET', `/customers/${c.c3}`, undefined, 404, 'MP.NOT_FOUND'],
    ['hq', 'GET', `/customers/${missing}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr2', 'POST', `/customers/${c.c1}/reveal-phone`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'POST', `/customers/${missing}/reveal-phone`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep1a', 'POST', `/customers/${c.c1}/reveal-phone`, undefined, 403, 'MP.FORBIDDEN'],
    ['rep2', 'POST', `/customers/${c.c1}/reveal-phone`, undefined, 403, 'MP.FORBIDDEN'],
    ['rep1a', 'GET', '/tasks?scope=store', undefined, 403, 'MP.FORBIDDEN'],
    ['mgr2', 'POST', `/tasks/${k.t1}/complete`, { outcome: '越权' }, 404, 'MP.NOT_FOUND'],
    ['rep1b', 'POST', `/tasks/${k.t1}/complete`, { outcome: '越权' }, 404, 'MP.NOT_FOUND'],
    ['rep2', 'POST', `/tasks/${k.t1}/complete`, { outcome: '越权' }, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'POST', `/tasks/${k.t3}/complete`, { outcome: '越权' }, 404, 'MP.NOT_FOUND'],
    ['hq', 'POST', `/tasks/${missing}/complete`, { outcome: '不存在' }, 404, 'MP.NOT_FOUND'],
  ];
  for (const [who, method, path, body, status, code] of cases) {
    const r = await as(who, method, path, body);
    t.is(r.status, status, `${who} ${method} ${path}`);
    t.is(r.json.error.code, code, `${who} ${method} ${path}`);
  }
  // Lists never leak: another store's rows are simply absent.
  t.deepEqual(ids(await as('mgr2', 'GET', '/customers')), [c.c3]);
  t.deepEqual(ids(await as('rep1b', 'GET', '/customers')), [c.c2]);
  t.deepEqual(ids(await as('mgr2', 'GET', '/tasks?scope=store')), [k.t3]);
  t.deepEqual(ids(await as('rep1b', 'GET', '/tasks?scope=mine')), [k.t2]);
  t.is((await as('rep2', 'GET', '/me')).json.wecomUserId, 'rep2');

  // Without a token every authenticated endpoint is 401.
  for (const [method, path] of [['GET', '/me'], ['POST', '/logout'], ['GET', '/customers'], ['GET', `/customers/${c.c1}`], ['POST', `/customers/${c.c1}/reveal-phone`], ['GET', '/tasks'], ['POST', `/tasks/${k.t1}/complete`]] as const) {
    const r = await call(method, path, { body: method === 'POST' ? { outcome: 'x' } : undefined });
    t.is(r.status, 401, `${method} ${path}`);
    t.is(r.json.error.code, 'MP.UNAUTHORIZED');
  }
  t.deepEqual(await footprint(siyu), before);

  // Logging out with someone else's refresh token ends only the caller's own access.
  t.is((await as('rep2', 'POST', '/logout', { refreshToken: refresh.mgr1 })).status, 204);
  t.is((await as('rep2', 'GET', '/me')).status, 401);
  t.is((await as('mgr1', 'GET', '/me')).status, 200);
  t.is((await call('POST', '/refresh', { body: { refreshToken: refresh.mgr1 } })).status, 200);
});

test('the OpenAPI document is served and describes exactly the routes of the router', async (t) => {
  const { call } = await world(t);
  const { mpRoutes } = await import('../../src/http/routes/mp.routes.js');
  const { mpOperationsRoutes } = await import('../../src/http/routes/mp-operations.routes.js');
  const { mpReportRoutes } = await import('../../src/http/routes/mp-reports.routes.js');
  const auth = { authenticate: async () => undefined } as never;
  // Every router mounted under /api/mp: the document covers them all.
  const routers = [
    mpRoutes({ auth, mp: {} as never, ipHash: (s) => s }),
    mpOperationsRoutes({ auth, core: {} as never, mp: {} as never, renders: {} as never, publicBaseUrl: () => '' }),
    mpReportRoutes({ auth, reports: {} as never, ipHash: (s) => s }),
  ];
  const routed = routers.flatMap((router) => router.stack.flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(l.path).replace(/:(\w+)/g, '{$1}')}`))).sort();
  const doc = await call('GET', '/openapi.json');
  t.is(doc.status, 200);
  t.is(doc.json.openapi, '3.1.0');
  const documented = Object.entries(doc.json.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
  t.deepEqual(documented, routed);
});

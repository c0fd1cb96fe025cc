import test from 'ava';
import { addJourney, footprint, mpWorld, type Who } from '../support/mp-reports-world.js';

const REPORTS = ['/reports/funnel', '/reports/journeys', '/reports/reactivation', '/reports/nps', '/reports/rfm', '/reports/ltv'];

test('every reports endpoint refuses another store and a lower role (404 for ids, 403 for role gates) and writes nothing', async (t) => {
  const w = await mpWorld(t);
  const { siyu, stores, c, as, call } = w;
  const j0 = await addJourney(siyu, '总部旅程', null);
  const j1 = await addJourney(siyu, '一店旅程', stores.s1);
  const j2 = await addJourney(siyu, '二店旅程', stores.s2);
  const before = await footprint(siyu);
  const missing = 99_999_999;
  const edit = { steps: [{ id: 1, templateText: '越权修改' }] };
  const cases: Array<[Who, string, string, unknown, number, string]> = [
    ['mgr2', 'GET', `/journeys/${j1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep2', 'GET', `/journeys/${j1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'GET', `/journeys/${j2}`, undefined, 404, 'MP.NOT_FOUND'],
    ['hq', 'GET', `/journeys/${missing}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr2', 'PATCH', `/journeys/${j1}`, edit, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'PATCH', `/journeys/${j2}`, edit, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'PATCH', `/journeys/${j0}`, edit, 403, 'MP.FORBIDDEN'],
    ['rep1a', 'PATCH', `/journeys/${j1}`, edit, 403, 'MP.FORBIDDEN'],
    ['hq', 'PATCH', `/journeys/${missing}`, edit, 404, 'MP.NOT_FOUND'],
    ...(['enable', 'disable'] as const).flatMap((a): Array<[Who, string, string, unknown, number, string]> => [
      ['mgr2', 'POST', `/journeys/${j1}/${a}`, undefined, 404, 'MP.NOT_FOUND'],
      ['mgr1', 'POST', `/journeys/${j0}/${a}`, undefined, 403, 'MP.FORBIDDEN'],
      ['rep1a', 'POST', `/journeys/${j1}/${a}`, undefined, 403, 'MP.FORBIDDEN'],
      ['rep2', 'POST', `/journeys/${j0}/${a}`, undefined, 403, 'MP.FORBIDDEN'],
      ['hq', 'POST', `/journeys/${missing}/${a}`, undefined, 404, 'MP.NOT_FOUND'],
    ]),
    ...REPORTS.flatMap((p): Array<[Who, string, string, unknown, number, string]> => [
      ['mgr1', 'GET', `${p}?storeId=${stores.s2}`, undefined, 404, 'MP.NOT_FOUND'],
      ['rep1a', 'GET', `${p}?storeId=${stores.s2}`, undefined, 404, 'MP.NOT_FOUND'],
      ['mgr2', 'GET', `${p}?storeId=${missing}`, undefined, 404, 'MP.NOT_FOUND'],
    ]),
    ['rep1a', 'GET', '/export/customers.csv', undefined, 403, 'MP.FORBIDDEN'],
    ['rep2', 'GET', '/export/orders.csv', undefined, 403, 'MP.FORBIDDEN'],
    ['mgr2', 'GET', `/export/orders.csv?customerId=${c.c1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'GET', `/export/orders.csv?customerId=${missing}`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'GET', '/audit-log', undefined, 403, 'MP.FORBIDDEN'],
    ['rep1a', 'GET', '/audit-log', undefined, 403, 'MP.FORBIDDEN'],
  ];
  for (const [who, method, path, body, status, code] of cases) {
    const r = await as(who, method, path, body);
    t.is(r.status, status, `${who} ${method} ${path}`);
    t.is(r.json.error.code, code, `${who} ${method} ${path}`);
  }
  // The same reports in one's own scope answer.
  for (const p of REPORTS) t.is((await as('mgr1', 'GET', `${p}?storeId=${stores.s1}`)).status, 200, p);

  const endpoints: Array<[string, string]> = [
    ['GET', '/journeys'],
    ['GET', `/journeys/${j1}`],
    ['PATCH', `/journeys/${j1}`],
    ['POST', `/journeys/${j1}/enable`],
    ['POST', `/journeys/${j1}/disable`],
    ...REPORTS.map((p): [string, string] => ['GET', p]),
    ['GET', '/export/customers.csv'],
    ['GET', '/export/orders.csv'],
    ['GET', '/audit-log'],
  ];
  for (const [method, path] of endpoints) {
    const r = await call(method, path, { body: method === 'PATCH' ? edit : undefined });
    t.is(r.status, 401, `${method} ${path}`);
    t.is(r.json.error.code, 'MP.UNAUTHORIZED');
  }
  t.deepEqual(await footprint(siyu), before);
});

test('the audit log is HQ’s, newest first and paginated, with who did what', async (t) => {
  const w = await mpWorld(t);
  const { as, c } = w;
  t.is((await as('mgr1', 'POST', `/customers/${c.c1}/reveal-phone`)).status, 200);
  w.clock.advance(1000);
  t.is((await w.raw('mgr1', '/export/customers.csv?stage=new')).status, 200);
  w.clock.advance(1000);
  t.is((await w.raw('hq', '/export/orders.csv')).status, 200);
  const page = await as('hq', 'GET', '/audit-log?limit=2');
  t.is(page.status, 200);
  t.like(page.json, { total: 3, limit: 2, offset: 0 });
  t.deepEqual(page.json.items.map((i: { action: string; staffName: string }) => [i.action, i.staffName]), [['export.orders', 'hq'], ['export.customers', 'mgr1']]);
  t.like(page.json.items[1], { targetType: 'export', targetId: 'customers', detail: { filters: { stage: 'new' }, rows: 2 } });
  t.is(page.json.items[1].at, new Date(w.clock.now() - 1000).toISOString());
  const rest = await as('hq', 'GET', '/audit-log?limit=2&offset=2');
  t.deepEqual(rest.json.items.map((i: { action: string; targetId: string }) => [i.action, i.targetId]), [['customer.reveal_phone', String(c.c1)]]);
  t.is((await as('hq', 'GET', '/audit-log?limit=101')).status, 400);
});

test('the OpenAPI fragment describes exactly the routes of the reports router', async (t) => {
  const { mpReportRoutes } = await import('../../src/http/routes/mp-reports.routes.js');
  const { MP_REPORTS_PATHS } = await import('../../src/http/routes/mp-openapi.reports.js');
  const router = mpReportRoutes({ auth: { authenticate: async () => undefined } as never, reports: {} as never, ipHash: (s) => s });
  const routed = router.stack.flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(l.path).replace(/:(\w+)/g, '{$1}')}`)).sort();
  const documented = Object.entries(MP_REPORTS_PATHS as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
  t.deepEqual(documented, routed);
});

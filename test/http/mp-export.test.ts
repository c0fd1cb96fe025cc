import test from 'ava';
import { addOrder, mpWorld, NOW } from '../support/mp-reports-world.js';

const BOM = '\uFEFF';
const lines = (csv: string) => csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');

test('the customer export is UTF-8 CSV with a BOM, masked phones, the list’s filters and scope, and is audited', async (t) => {
  const w = await mpWorld(t);
  // People read names, not codes: the reps' names, the store's name, the stage in Chinese.
  await w.siyu.db('staff').where({ wecom_userid: 'rep1a' }).update({ name: '王导购' });
  await w.siyu.db('staff').where({ wecom_userid: 'rep1b' }).update({ name: '赵导购' });
  await w.siyu.db('staff').where({ wecom_userid: 'rep2' }).update({ name: '钱导购' });
  await w.siyu.db('customers').where({ id: w.c.c2 }).update({ stage: 'lead' });
  const res = await w.raw('mgr1', '/export/customers.csv');
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type')!, /^text\/csv; charset=utf-8/);
  t.regex(res.headers.get('content-disposition')!, /attachment; filename="customers-20260615\.csv"/);
  t.is(res.headers.get('cache-control'), 'no-store');
  t.is(res.headers.get('x-export-rows'), '2');
  t.is(res.headers.get('x-export-truncated'), '0');
  const body = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  t.true(body.startsWith(BOM));
  const rows = lines(body);
  t.is(rows[0], '客户编号,姓名,手机号,阶段,门店,归属导购,标签');
  t.deepEqual(rows.slice(1).sort(), [`${w.c.c1},张三,138****1234,新客,s1店,王导购,`, `${w.c.c2},李四,139****5678,线索,s1店,赵导购,`].sort());
  t.false(body.includes('13800001234'));
  t.false(body.includes('王五'), 'another store’s customer is not exported');

  // The list's filters apply: a phone tail, a name.
  const tail = await w.raw('hq', '/export/customers.csv?q=9999');
  t.deepEqual(lines(new TextDecoder('utf-8', { ignoreBOM: true }).decode(await tail.arrayBuffer())).slice(1), [`${w.c.c3},王五,137****9999,新客,s2店,钱导购,`]);

  const audit = await w.siyu.db('audit_log').orderBy('id');
  t.is(audit.length, 2);
  const mgr1 = await w.siyu.db('staff').where({ wecom_userid: 'mgr1' }).first('id');
  t.like(audit[0], { action: 'export.customers', target_type: 'export', target_id: 'customers', at: NOW });
  t.is(Number(audit[0].staff_id), Number(mgr1.id));
  t.regex(audit[0].ip_hash, /^[0-9a-f]{32}$/);
  t.deepEqual(JSON.parse(audit[0].detail), { role: 'store_manager', storeId: w.stores.s1, filters: {}, rows: 2, total: 2, truncated: false });
  t.like(JSON.parse(audit[1].detail), { role: 'hq_admin', filters: { q: '9999' }, rows: 1 });
});

test('cells that look like formulas are neutralised and quotes escaped', async (t) => {
  const w = await mpWorld(t);
  await w.siyu.db('customers').where({ id: w.c.c1 }).update({ name: '=HYPERLINK("x")' });
  const body = await (await w.raw('hq', '/export/customers.csv?stage=new')).text();
  t.true(body.includes(`${w.c.c1},"'=HYPERLINK(""x"")",138****1234`));
});

test('a nickname starting with a TAB or a carriage return is neutralised too', async (t) => {
  const w = await mpWorld(t);
  await w.siyu.db('customers').where({ id: w.c.c1 }).update({ name: '\t=1+1' });
  await w.siyu.db('customers').where({ id: w.c.c2 }).update({ name: '\r=1+1' });
  const body = await (await w.raw('hq', '/export/customers.csv?stage=new')).text();
  t.true(body.includes(`${w.c.c1},'\t=1+1,138****1234`));
  t.true(body.includes(`${w.c.c2},"'\r=1+1",139****5678`));
});

test('the order export is scoped, filtered by customer and paid day, and audited', async (t) => {
  const w = await mpWorld(t);
  const { siyu, c, stores } = w;
  await addOrder(siyu, { customerId: c.c1, storeId: stores.s1, amountFen: 12_345, paidAt: NOW - 3600_000, no: 'A-1' });
  await addOrder(siyu, { customerId: c.c2, storeId: stores.s1, amountFen: 100, paidAt: NOW - 10 * 86_400_000, no: 'A-2' });
  await addOrder(siyu, { customerId: c.c3, storeId: stores.s2, amountFen: 500, paidAt: NOW - 3600_000, no: 'B-1' });
  const text = async (who: 'hq' | 'mgr1', q: string) => {
    const r = await w.raw(who, `/export/orders.csv${q}`);
    t.is(r.status, 200, q);
    return lines(await r.text());
  };
  await siyu.db('orders').where({ order_no: 'A-2' }).update({ source: 'pos:mall01' });
  await siyu.db('order_sources').insert({ key: 'mall01', name: '万达商城', store_id: null, active: true, secret_enc: 'x', created_at: NOW });
  const mine = await text('mgr1', '');
  t.is(mine[0], '订单编号,来源,客户编号,客户姓名,门店,金额(元),支付时间,状态');
  t.deepEqual(mine.slice(1), [`A-2,万达商城,${c.c2},李四,s1店,1.00,2026-06-05 12:00,已支付`, `A-1,收银/商场,${c.c1},张三,s1店,123.45,2026-06-15 11:00,已支付`], 'newest first, labels and names instead of codes');
  t.deepEqual((await text('mgr1', `?customerId=${c.c2}`)).slice(1).map((l) => l.split(',')[0]), ['A-2']);
  t.deepEqual((await text('hq', '?from=2026-06-15&to=2026-06-15')).slice(1).map((l) => l.split(',')[0]).sort(), ['A-1', 'B-1']);
  const audit = await siyu.db('audit_log').orderBy('id');
  t.is(audit.length, 3);
  t.like(JSON.parse(audit[2].detail), { filters: { from: '2026-06-15', to: '2026-06-15' }, rows: 2, total: 2 });
  t.is(audit[0].action, 'export.orders');
});

test('an export stops at the row cap, newest first, and says so in its headers and the audit log', async (t) => {
  const w = await mpWorld(t);
  const { EXPORT_ROW_CAP } = await import('../../src/domain/mp/mp-reports.service.js');
  const extra = EXPORT_ROW_CAP + 5 - 3;
  await w.siyu.db.batchInsert('customers', Array.from({ length: extra }, (_, i) => ({ name: `客户${i}`, store_id: w.stores.s2, owner_userid: 'rep2', stage: 'new', created_at: NOW, updated_at: NOW })), 500);
  const res = await w.raw('hq', '/export/customers.csv');
  t.is(res.status, 200);
  t.is(res.headers.get('x-export-rows'), String(EXPORT_ROW_CAP));
  t.is(res.headers.get('x-total-count'), String(EXPORT_ROW_CAP + 5));
  t.is(res.headers.get('x-export-truncated'), '1');
  const rows = lines(await res.text()).slice(1);
  t.is(rows.length, EXPORT_ROW_CAP);
  t.true(rows[0]!.includes(`客户${extra - 1}`), 'the newest customer comes first');
  t.false(rows.some((r) => r.startsWith(`${w.c.c1},`)), 'the oldest fall beyond the cap');
  const audit = await w.siyu.db('audit_log').first();
  t.like(JSON.parse(audit.detail), { rows: EXPORT_ROW_CAP, total: EXPORT_ROW_CAP + 5, truncated: true });
});

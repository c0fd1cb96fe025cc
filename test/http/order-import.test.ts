import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { orderFootprint, purchases } from '../support/orders.js';

const b = `[${backendName}]`;

async function importCsv(siyu: Siyu, csv: string, dryRun: string | undefined, type = 'text/csv; charset=utf-8') {
  const res = await fetch(`${siyu.url}/api/orders/import${dryRun === undefined ? '' : `?dryRun=${dryRun}`}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${siyu.config.adminApiKey}`, 'content-type': type },
    body: csv,
  });
  return { status: res.status, json: await res.json() };
}

const CSV = [
  'order_no,paid_at,amount_yuan,phone,name,store_id,source',
  'H-1,2025-01-05 10:00,128.50,13900000001,钱七,,',
  'H-2,2025-02-30 10:00,10,13900000002,,,',
  'H-3,2025-03-01 09:30:00,12.345,13900000003,,,',
  'H-4,2025-03-01T09:30:00+08:00,20,139-0000-0001,钱七,,',
  'H-1,2025-04-01 10:00,1,13900000004,,,',
  'H-5,2025-04-01 10:00,30,1390000,,,',
  'H-6,2025-04-02 10:00,40,13900000006,,9999,',
  '"H-7","2025-04-03 10:00","50","13900000007","孙八, 先生",,pos:mall01',
].join('\r\n');

test(`${b} a dry run reports bad rows by row number and what would be created, and writes nothing`, async (t) => {
  const siyu = await startApp(t);
  const before = await orderFootprint(siyu);
  const r = await importCsv(siyu, `\uFEFF${CSV}`, 'true');
  t.is(r.status, 200, JSON.stringify(r.json));
  t.like(r.json, { dryRun: true, total: 8, created: 3, skipped: 0, failed: 5 });
  t.deepEqual(r.json.errors.map((e: { row: number }) => e.row), [3, 4, 6, 7, 8]);
  t.regex(r.json.errors.find((e: { row: number }) => e.row === 6).reason, /第 2 行/);
  t.is(r.json.errors.find((e: { row: number }) => e.row === 8).reason, '门店不存在');
  t.deepEqual(await orderFootprint(siyu), before);
  t.like((await importCsv(siyu, CSV, undefined)).json, { dryRun: true }, 'dry run unless asked otherwise');
  t.deepEqual(await orderFootprint(siyu), before);
});

test(`${b} the real import writes the valid rows with aggregates, and a re-import skips them`, async (t) => {
  const siyu = await startApp(t);
  const r = await importCsv(siyu, CSV, 'false');
  t.like(r.json, { dryRun: false, total: 8, created: 3, skipped: 0, failed: 5 });
  const orders = await siyu.db('orders').orderBy('order_no').select('source', 'order_no', 'amount_fen', 'customer_id');
  t.deepEqual(orders.map((o: { source: string; order_no: string; amount_fen: number }) => [o.source, o.order_no, Number(o.amount_fen)]), [
    ['csv', 'H-1', 12850],
    ['csv', 'H-4', 2000],
    ['pos:mall01', 'H-7', 5000],
  ]);
  // H-1 and H-4 are one phone: one customer with two orders.
  t.is(orders[0].customer_id, orders[1].customer_id);
  t.deepEqual(await purchases(siyu, Number(orders[0].customer_id)), {
    orderCount: 2,
    totalSpentFen: 14850,
    firstPurchaseAt: Date.parse('2025-01-05T02:00:00Z'),
    lastPurchaseAt: Date.parse('2025-03-01T01:30:00Z'),
    stage: 'repeat',
  });
  t.is((await siyu.db('customers').where({ id: orders[2].customer_id }).first()).name, '孙八, 先生');

  const before = await orderFootprint(siyu);
  const again = await importCsv(siyu, CSV, 'false');
  t.like(again.json, { created: 0, skipped: 3, failed: 5 });
  t.deepEqual(await orderFootprint(siyu), before);
  t.like((await importCsv(siyu, CSV, 'true')).json, { created: 0, skipped: 3 });
});

test(`${b} an import starts no journey even for a row with its own source and a payment minutes ago; a live order starts one only while recent`, async (t) => {
  const siyu = await startApp(t);
  t.true((await siyu.journeys.service.ensureDefaults()) > 0, '购后关怀 is enabled');
  const minutesAgo = new Date(Date.now() - 5 * 60_000).toISOString();
  const csv = ['order_no,paid_at,amount_yuan,phone,name,store_id,source', `I-1,${minutesAgo},88,13900000011,周九,,pos:mall01`, `I-2,${minutesAgo},10,13900000012,,,csv`].join('\n');
  t.like((await importCsv(siyu, csv, 'false')).json, { created: 2, failed: 0 });
  t.is(Number((await siyu.db('journey_runs').count({ n: '*' }))[0]!.n), 0);

  // The same rule for live orders: a purchase paid 3 days ago (a late POS sync, a back-dated entry)
  // starts nothing; one paid an hour ago enters 购后关怀.
  const api = admin(siyu);
  const customerId = Number((await siyu.db('orders').where({ order_no: 'I-1' }).first()).customer_id);
  const old = await api.post('/api/orders', { customerId, orderNo: 'L-OLD', amountFen: 500, paidAt: new Date(Date.now() - 3 * 86_400_000).toISOString() });
  t.is(old.status, 201, old.text);
  t.is(Number((await siyu.db('journey_runs').count({ n: '*' }))[0]!.n), 0, 'an order older than the journeys could act on');
  const recent = await api.post('/api/orders', { customerId, orderNo: 'L-NEW', amountFen: 500, paidAt: new Date(Date.now() - 3_600_000).toISOString() });
  t.is(recent.status, 201, recent.text);
  const runs = await siyu.db('journey_runs').select('customer_id', 'trigger_ref');
  t.deepEqual(runs.map((r: { customer_id: number; trigger_ref: string }) => [Number(r.customer_id), r.trigger_ref]), [[customerId, `order:${recent.json.order.id}`]]);
});

test(`${b} a file without the required columns, or not CSV, is refused`, async (t) => {
  const siyu = await startApp(t);
  const r = await importCsv(siyu, 'order_no,amount\nH1,1\n', 'true');
  t.is(r.status, 400);
  t.regex(r.json.error.message, /表头缺少列/);
  t.is((await importCsv(siyu, CSV, 'true', 'application/json')).status, 415);
  t.is((await importCsv(siyu, "A".repeat(5 * 1024 * 1024 + 1), 'true')).status, 413);
});

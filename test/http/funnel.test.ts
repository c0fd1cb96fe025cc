import test from 'ava';
import { shanghaiDay } from '../../src/shared/shanghai-time.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const today = () => {
  const d = String(shanghaiDay(Date.now()));
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
};

async function visit(siyu: Siyu, code: string, lead?: { name: string; phone: string }) {
  const page = await fetch(`${siyu.url}/s/${code}`);
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const ft = /name="ft" value="([^"]+)"/.exec(await page.text())![1]!;
  if (!lead) return;
  const res = await fetch(`${siyu.url}/s/${code}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ft, name: lead.name, phone: lead.phone, consent: '1' }).toString(),
  });
  if (res.status !== 200) throw new Error(`lead failed ${res.status}`);
}

test(`${b} the funnel counts scans, visitors, leads and adds per channel and per placement, without double counting`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const batch = await api.post('/api/channels/batch', {
    batchKey: 'f1',
    namePattern: '电梯-{楼栋}-{电梯}',
    dimensions: { 楼栋: ['1号楼', '2号楼'], 电梯: ['A', 'B'] },
    kind: 'elevator',
    staffUserIds: ['rep001', 'rep002'],
    welcomeText: '欢迎',
  });
  const [a1, b1, a2] = batch.json.items as Array<{ id: number; code: string; configId: string }>;
  // 1号楼-A: three visitors, two leave details, one of them adds through the lead QR.
  await visit(siyu, a1!.code);
  await visit(siyu, a1!.code, { name: '甲', phone: '13800000001' });
  await visit(siyu, a1!.code, { name: '乙', phone: '13800000002' });
  const lead = await siyu.db('leads').where({ name: '甲' }).first();
  await siyu.emulator!.customerScans(lead.wecom_config_id, { name: '甲' });
  // 1号楼-B: one direct add through the channel's own QR, no landing page.
  await siyu.emulator!.customerScans(b1!.configId, { name: '丙' });
  // 2号楼-A: one visitor only.
  await visit(siyu, a2!.code);
  await siyu.processor.drain();

  const byChannel = await api.get(`/api/funnel?from=${today()}&to=${today()}&batchKey=f1`);
  t.is(byChannel.status, 200, byChannel.text);
  const row = (key: string) => byChannel.json.rows.find((r: { key: string }) => r.key === key);
  t.like(row('电梯-1号楼-A'), { scans: 3, visitors: 3, leads: 2, adds: 1 });
  t.is(row('电梯-1号楼-A').rates.visitorToLead, 0.6667);
  t.is(row('电梯-1号楼-A').rates.leadToAdd, 0.5);
  t.like(row('电梯-1号楼-B'), { scans: 0, leads: 0, adds: 1 });
  t.like(row('电梯-2号楼-A'), { scans: 1, visitors: 1, leads: 0, adds: 0 });
  t.like(row('电梯-2号楼-B'), { scans: 0, adds: 0 });

  const byBuilding = await api.get(`/api/funnel?from=${today()}&to=${today()}&groupBy=楼栋`);
  t.deepEqual(
    byBuilding.json.rows.map((r: { key: string; scans: number; leads: number; adds: number }) => [r.key, r.scans, r.leads, r.adds]),
    [
      ['1号楼', 3, 2, 2],
      ['2号楼', 1, 0, 0],
    ],
  );

  const csv = await api.get(`/api/funnel?from=${today()}&to=${today()}&groupBy=电梯&format=csv`);
  t.is(csv.status, 200);
  t.regex(csv.headers.get('content-type')!, /text\/csv/);
  t.true(csv.text.startsWith('分组,扫码次数'));
  const raw = Buffer.from(await (await fetch(`${siyu.url}/api/funnel?from=${today()}&to=${today()}&format=csv`, { headers: { authorization: `Bearer ${siyu.config.adminApiKey}` } })).arrayBuffer());
  t.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM so Excel reads UTF-8');
  t.regex(csv.text, /\r\nA,4,4,2,1,1,0,0,0,0,0\.00,50\.0%,50\.0%,0\.0%\r\n/);

  const yesterdayOnly = await api.get('/api/funnel?from=2020-01-01&to=2020-01-02');
  t.true(yesterdayOnly.json.rows.every((r: { scans: number; adds: number }) => r.scans === 0 && r.adds === 0));
  t.is((await api.get('/api/funnel?from=2026-13-01&to=2026-12-01')).status, 400);
  t.is((await api.get('/api/funnel?from=2026-12-01&to=2026-11-01')).status, 400);
  t.is((await api.get('/api/funnel?from=2020-01-01&to=2026-01-01')).status, 400);
  t.is((await api.get('/api/funnel')).status, 400);
});

test(`${b} the funnel counts each customer's first order and the revenue of the period by the order's channel`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const batch = await api.post('/api/channels/batch', { batchKey: 'f2', namePattern: '柜台-{位置}', dimensions: { 位置: ['东', '西'] }, kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎' });
  const [east, west] = batch.json.items as Array<{ id: number; code: string }>;
  await visit(siyu, east!.code, { name: '甲', phone: '13800000011' });
  await visit(siyu, east!.code, { name: '乙', phone: '13800000012' });
  await visit(siyu, west!.code, { name: '丙', phone: '13800000013' });
  const idOf = async (name: string) => Number((await siyu.db('customers').where({ name }).first('id')).id);
  const now = Date.now();
  const at = (ms: number) => new Date(ms).toISOString();
  // 甲: an order long ago (not a first order today) and one today; 乙: two orders today; 丙: none.
  t.is((await api.post('/api/orders', { customerId: await idOf('甲'), amountFen: 1000, paidAt: at(Date.UTC(2025, 0, 1)) })).status, 201);
  await api.post('/api/orders', { customerId: await idOf('甲'), amountFen: 2000, paidAt: at(now) });
  await api.post('/api/orders', { customerId: await idOf('乙'), amountFen: 300, paidAt: at(now) });
  await api.post('/api/orders', { customerId: await idOf('乙'), amountFen: 400, paidAt: at(now) });

  const res = await api.get(`/api/funnel?from=${today()}&to=${today()}&batchKey=f2`);
  const row = (key: string) => res.json.rows.find((r: { key: string }) => r.key === key);
  t.like(row('柜台-东'), { leads: 2, firstOrders: 1, revenueFen: 2700 });
  t.like(row('柜台-西'), { leads: 1, firstOrders: 0, revenueFen: 0 });
  const old = await api.get('/api/funnel?from=2025-01-01&to=2025-01-01&batchKey=f2');
  t.like(old.json.rows.find((r: { key: string }) => r.key === '柜台-东'), { firstOrders: 1, revenueFen: 1000 });
});

test(`${b} every funnel rate is a share of the same people: adds through the shared QR without a lead never push 留资→加微 past 100%`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = (await api.post('/api/channels', { name: '门口海报', kind: 'poster', staffUserIds: ['rep001'], welcomeText: '欢迎' })).json as { id: number; code: string; configId: string };
  // One visitor leaves a lead and adds through the lead's QR; three more people scan the shared QR directly.
  await visit(siyu, ch.code, { name: '甲', phone: '13800000021' });
  const lead = await siyu.db('leads').where({ name: '甲' }).first();
  await siyu.emulator!.customerScans(lead.wecom_config_id, { name: '甲' });
  for (const name of ['乙', '丙', '丁']) await siyu.emulator!.customerScans(ch.configId, { name });
  await siyu.processor.drain();
  // 乙 buys after adding: one of the four adds made a first order.
  const yi = Number((await siyu.db('customers').where({ name: '乙' }).first('id')).id);
  t.is((await api.post('/api/orders', { customerId: yi, amountFen: 5000, paidAt: new Date(Date.now() + 1000).toISOString() })).status, 201);

  const res = await api.get(`/api/funnel?from=${today()}&to=${today()}`);
  const row = res.json.rows.find((r: { key: string }) => r.key === '门口海报');
  t.like(row, { visitors: 1, leads: 1, leadsAdded: 1, adds: 4, addsWithoutLead: 3, addsFirstOrder: 1 });
  t.deepEqual(row.rates, { visitorToLead: 1, leadToAdd: 1, addToFirstOrder: 0.25 });
  for (const r of res.json.rows) for (const v of Object.values(r.rates)) t.true(v === null || (v as number) <= 1, `${r.key} ${JSON.stringify(r.rates)}`);

  const csv = await api.get(`/api/funnel?from=${today()}&to=${today()}&format=csv`);
  t.true(csv.text.includes('留资→加微(留资后加微数/留资数)'), 'the CSV header says what the rate is a share of');
  t.regex(csv.text, /\r\n门口海报,1,1,1,1,4,3,1,0,1,50\.00,100\.0%,100\.0%,25\.0%\r\n/);
});

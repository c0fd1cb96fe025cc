import test from 'ava';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { renderPosterPng } from '../../src/integrations/qr/index.js';
import { backendName } from '../support/backends.js';
import { mpFootprint, mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;
const DAY = 86_400_000;
const channelBody = (over: Record<string, unknown> = {}) => ({ name: '电梯广告-3号楼', kind: 'elevator', staffUserIds: ['rep1a'], welcomeText: '您好，欢迎！', tags: ['楼栋:3号楼'], ...over });
const ids = (r: { json: { items: Array<{ id: number }> } }) => r.json.items.map((i) => i.id).sort((a, b) => a - b);

function decode(bytes: Buffer): string | undefined {
  const png = PNG.sync.read(bytes);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

test(`${b} HQ and managers create channels; lists are scoped and carry the last 30 days of the funnel`, async (t) => {
  const { siyu, as, stores } = await mpWorld(t);
  const byHq = await as('hq', 'POST', '/channels', channelBody({ storeId: stores.s1 }));
  t.is(byHq.status, 201, JSON.stringify(byHq.json));
  t.like(byHq.json, { name: '电梯广告-3号楼', storeId: stores.s1, status: 'active', staffUserIds: ['rep1a'], welcomeText: '您好，欢迎！', tags: [{ group: '楼栋', name: '3号楼' }], funnel: { scans: 0, leads: 0, adds: 0, firstOrders: 0 } });
  t.is(byHq.json.qrPngUrl, `/api/mp/channels/${byHq.json.id}/qr.png`);
  t.true(byHq.json.landingUrl.endsWith(`/s/${byHq.json.code}`));
  // A manager's channel goes to their store without naming it.
  const byMgr = await as('mgr1', 'POST', '/channels', channelBody({ name: '收银台', kind: 'counter', staffUserIds: ['rep1b'] }));
  t.is(byMgr.status, 201);
  t.is(byMgr.json.storeId, stores.s1);
  const other = await as('mgr2', 'POST', '/channels', channelBody({ name: '二店海报', kind: 'poster', staffUserIds: ['rep2'] }));
  t.is(other.json.storeId, stores.s2);

  const now = Date.now();
  const scan = (channel_id: number, at: number) => ({ channel_id, visitor_id: `v${at}`, ip_hash: 'x', user_agent: '', day: 20260101, first_of_day: true, created_at: at });
  await siyu.db('scans').insert([scan(byHq.json.id, now - 1000), scan(byHq.json.id, now - 2 * DAY), scan(byHq.json.id, now - 40 * DAY)]);

  t.deepEqual(ids(await as('hq', 'GET', '/channels')), [byHq.json.id, byMgr.json.id, other.json.id]);
  t.deepEqual(ids(await as('mgr1', 'GET', '/channels')), [byHq.json.id, byMgr.json.id]);
  t.deepEqual(ids(await as('rep1a', 'GET', '/channels')), [byHq.json.id], 'a rep sees the channels routed to them');
  t.deepEqual(ids(await as('rep2', 'GET', '/channels')), [other.json.id]);
  t.deepEqual(ids(await as('hq', 'GET', `/channels?storeId=${stores.s2}`)), [other.json.id]);
  t.deepEqual(ids(await as('hq', 'GET', `/channels?q=${encodeURIComponent('收银')}`)), [byMgr.json.id]);
  const list = await as('mgr1', 'GET', '/channels?limit=1');
  t.like(list.json, { total: 2, limit: 1, offset: 0 });
  const detail = await as('rep1a', 'GET', `/channels/${byHq.json.id}`);
  t.is(detail.status, 200);
  t.is(detail.json.funnel.scans, 2, 'the scan 40 days ago is outside the window');
  t.is((await as('hq', 'GET', '/channels?limit=101')).status, 400);
});

test(`${b} a placement batch makes one channel per combination, and a retry with the same Idempotency-Key returns the same batch`, async (t) => {
  const { siyu, withHeaders, stores } = await mpWorld(t);
  const body = { prefix: '电梯', kind: 'elevator', staffUserIds: ['rep1a', 'rep1b'], welcomeText: '欢迎', tags: [], dimensions: [{ label: '楼栋', values: ['1号楼', '2号楼'] }, { label: '电梯', values: ['A', 'B'] }] };
  const first = await withHeaders('mgr1', 'POST', '/channels/batch', body, { 'idempotency-key': 'batch-1' });
  t.is(first.status, 201, JSON.stringify(first.json));
  t.is(first.json.created, 4);
  t.deepEqual(first.json.items.map((c: { name: string }) => c.name), ['电梯-1号楼-A', '电梯-1号楼-B', '电梯-2号楼-A', '电梯-2号楼-B']);
  t.deepEqual(first.json.items[1].attributes, { 楼栋: '1号楼', 电梯: 'B' });
  t.true(first.json.items.every((c: { storeId: number }) => c.storeId === stores.s1));
  const again = await withHeaders('mgr1', 'POST', '/channels/batch', body, { 'idempotency-key': 'batch-1' });
  t.is(again.status, 200);
  t.is(again.json.batchId, first.json.batchId);
  t.deepEqual(again.json.items.map((c: { id: number }) => c.id), first.json.items.map((c: { id: number }) => c.id));
  t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 4);
  const bad = await withHeaders('mgr1', 'POST', '/channels/batch', { ...body, dimensions: [] }, {});
  t.is(bad.status, 400);
  // 10^8 combinations: refused from the counts, before anything is expanded or looked up.
  const huge = await withHeaders('mgr1', 'POST', '/channels/batch', { ...body, dimensions: ['a', 'b', 'c', 'd'].map((label) => ({ label, values: Array.from({ length: 100 }, (_, i) => `${label}${i}`) })) }, {});
  t.is(huge.status, 400);
  t.like(huge.json.error, { code: 'CHANNEL.BATCH_TOO_LARGE', message: '一次最多创建 200 个渠道，当前为 100000000 个' });
  const tooMany = await withHeaders('mgr1', 'POST', '/channels/batch', { ...body, dimensions: [{ label: 'a', values: Array.from({ length: 101 }, (_, i) => `a${i}`) }] }, {});
  t.is(tooMany.status, 400);
  t.regex(tooMany.json.error.message, /每个投放维度最多 100 个取值/);
  t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 4);
});

test(`${b} managers pause and resume channels of their store; the list filters by status`, async (t) => {
  const { as } = await mpWorld(t);
  const c = (await as('mgr1', 'POST', '/channels', channelBody())).json;
  const paused = await as('mgr1', 'POST', `/channels/${c.id}/pause`);
  t.is(paused.status, 200);
  t.is(paused.json.status, 'paused');
  t.deepEqual(ids(await as('mgr1', 'GET', '/channels?status=paused')), [c.id]);
  t.deepEqual(ids(await as('mgr1', 'GET', '/channels?status=active')), []);
  t.is((await as('hq', 'POST', `/channels/${c.id}/resume`)).json.status, 'active');
});

test(`${b} the QR and the poster come as PNGs that scan to the landing page, with ETags; the poster has the channel's texts`, async (t) => {
  const { as, raw } = await mpWorld(t);
  const c = (await as('mgr1', 'POST', '/channels', channelBody({ offer: '扫码领新人礼', attributes: { 楼栋: '3号楼', 电梯: 'A' } }))).json;
  const qr = await raw('rep1a', `/channels/${c.id}/qr.png?size=256`);
  t.is(qr.status, 200);
  t.is(qr.headers.get('content-type'), 'image/png');
  const qrBytes = Buffer.from(await qr.arrayBuffer());
  t.is(PNG.sync.read(qrBytes).width, 256);
  t.is(decode(qrBytes), c.landingUrl);
  const poster = await raw('mgr1', `/channels/${c.id}/poster.png?size=768`);
  t.is(poster.status, 200);
  const posterBytes = Buffer.from(await poster.arrayBuffer());
  const img = PNG.sync.read(posterBytes);
  t.is(img.width, 768);
  t.is(img.height, Math.round((768 * 210) / 148), 'A5 proportions');
  t.is(decode(posterBytes), c.landingUrl);
  const texts = { title: '电梯广告-3号楼', offer: '扫码领新人礼', placement: '3号楼 · A', url: c.landingUrl };
  t.true(posterBytes.equals(await renderPosterPng(texts, 768)), 'name, offer line and placement are drawn');
  t.false(posterBytes.equals(await renderPosterPng({ ...texts, offer: undefined }, 768)));
  const cached = await raw('mgr1', `/channels/${c.id}/poster.png?size=768`, { 'if-none-match': poster.headers.get('etag')! });
  t.is(cached.status, 304);
  t.is((await raw('mgr1', `/channels/${c.id}/poster.png?size=700`)).status, 400);
  t.is((await raw('mgr1', `/channels/${c.id}/qr.png?size=100`)).status, 400);
});

test(`${b} channel actions refuse another store (404), a lower role (403) and foreign reps, writing nothing`, async (t) => {
  const { siyu, as, raw, stores } = await mpWorld(t);
  const c1 = (await as('mgr1', 'POST', '/channels', channelBody())).json;
  const before = await mpFootprint(siyu);
  const cases: Array<[Parameters<typeof as>[0], string, string, unknown, number, string]> = [
    ['mgr2', 'GET', `/channels/${c1.id}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep1b', 'GET', `/channels/${c1.id}`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep2', 'GET', `/channels/${c1.id}`, undefined, 404, 'MP.NOT_FOUND'],
    ['hq', 'GET', '/channels/99999999', undefined, 404, 'MP.NOT_FOUND'],
    ['mgr2', 'POST', `/channels/${c1.id}/pause`, undefined, 404, 'MP.NOT_FOUND'],
    ['mgr2', 'POST', `/channels/${c1.id}/resume`, undefined, 404, 'MP.NOT_FOUND'],
    ['rep1a', 'POST', `/channels/${c1.id}/pause`, undefined, 403, 'MP.FORBIDDEN'],
    ['rep1a', 'POST', `/channels/${c1.id}/resume`, undefined, 403, 'MP.FORBIDDEN'],
    ['rep1a', 'POST', '/channels', channelBody(), 403, 'MP.FORBIDDEN'],
    ['rep2', 'POST', '/channels/batch', { prefix: 'x', kind: 'poster', staffUserIds: ['rep2'], welcomeText: 'hi', tags: [], dimensions: [{ label: 'a', values: ['1'] }] }, 403, 'MP.FORBIDDEN'],
    ['mgr1', 'POST', '/channels', channelBody({ storeId: stores.s2 }), 404, 'MP.NOT_FOUND'],
    ['mgr1', 'POST', '/channels/batch', { prefix: 'x', kind: 'poster', storeId: stores.s2, staffUserIds: ['rep1a'], welcomeText: 'hi', tags: [], dimensions: [{ label: 'a', values: ['1'] }] }, 404, 'MP.NOT_FOUND'],
    ['mgr1', 'POST', '/channels', channelBody({ staffUserIds: ['rep1a', 'rep2'] }), 400, 'MP.STAFF_OTHER_STORE'],
    // Every field that names staff is held to the same store rule, not only staffUserIds.
    ['mgr1', 'POST', '/channels', channelBody({ routing: { rule: 'round_robin', backupUserIds: ['rep2'] } }), 400, 'MP.STAFF_OTHER_STORE'],
    ['mgr1', 'POST', '/channels', channelBody({ routing: { rule: 'round_robin', backupUserIds: ['rep2'], repHours: { rep2: { from: '20:00', to: '23:00' } } } }), 400, 'MP.STAFF_OTHER_STORE'],
    ['mgr1', 'POST', '/channels', channelBody({ routing: { rule: 'weighted', weights: { rep2: 3 } } }), 400, 'MP.STAFF_OTHER_STORE'],
    ['mgr1', 'POST', '/channels', channelBody({ routing: { rule: 'round_robin', repHours: { rep2: { from: '20:00', to: '23:00' } } } }), 400, 'MP.STAFF_OTHER_STORE'],
    ['mgr2', 'GET', `/channels?storeId=${stores.s1}`, undefined, 404, 'MP.NOT_FOUND'],
    ['hq', 'POST', '/channels', { ...channelBody(), kind: 'rocket' }, 400, 'REQUEST.INVALID'],
    ['hq', 'POST', '/channels', channelBody({ welcomeText: '您好{{name}}，欢迎！' }), 400, 'TEMPLATE.DOUBLE_BRACES'],
    ['mgr1', 'POST', '/channels/batch', { prefix: 'x', kind: 'poster', staffUserIds: ['rep1a'], welcomeText: '{vip}您好', tags: [], dimensions: [{ label: 'a', values: ['1', '2'] }] }, 400, 'TEMPLATE.UNKNOWN_VARIABLE'],
  ];
  for (const [who, method, path, body, status, code] of cases) {
    const r = await as(who, method, path, body);
    t.is(r.status, status, `${who} ${method} ${path}`);
    t.is(r.json.error.code, code, `${who} ${method} ${path}`);
  }
  for (const who of ['mgr2', 'rep2', 'rep1b'] as const) {
    t.is((await raw(who, `/channels/${c1.id}/qr.png`)).status, 404);
    t.is((await raw(who, `/channels/${c1.id}/poster.png`)).status, 404);
  }
  t.deepEqual(ids(await as('mgr2', 'GET', '/channels')), []);
  t.deepEqual(await mpFootprint(siyu), before);
});

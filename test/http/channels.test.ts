import test from 'ava';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const valid = { name: '柜台-1号店', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎光临', tags: [] as unknown[] };

test(`${b} the admin API needs the bearer key`, async (t) => {
  const siyu = await startApp(t);
  for (const auth of [undefined, 'Bearer wrong-key-wrong-key', `Basic ${siyu.config.adminApiKey}`]) {
    const res = await fetch(`${siyu.url}/api/channels`, { headers: auth ? { authorization: auth } : {} });
    t.is(res.status, 401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    t.is(body.error.code, 'AUTH.INVALID_API_KEY');
    t.regex(body.error.message, /未授权/);
  }
  t.is((await fetch(`${siyu.url}/api/nope`)).status, 404);
});

test(`${b} channels are created, listed and fetched with their WeCom QR`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const a = await api.post('/api/channels', { ...valid, tags: ['楼栋:1号楼', { group: '海报', name: 'A款' }, '无分组'] });
  t.is(a.status, 201, a.text);
  t.deepEqual(a.json.tags, [
    { group: '楼栋', name: '1号楼' },
    { group: '海报', name: 'A款' },
    { group: '渠道属性', name: '无分组' },
  ]);
  const bRes = await api.post('/api/channels', { ...valid, name: '柜台-2号店' });
  t.is(bRes.status, 201);
  t.not(a.json.code, bRes.json.code);
  const list = await api.get('/api/channels?limit=1');
  t.is(list.status, 200);
  t.is(list.json.total, 2);
  t.is(list.json.items.length, 1);
  t.is(list.json.items[0].id, bRes.json.id, 'newest first');
  const one = await api.get(`/api/channels/${a.json.id}`);
  t.is(one.json.qrCode, a.json.qrCode);
  t.is((await api.get('/api/channels/999999')).status, 404);
  t.is((await api.get('/api/channels/abc')).status, 400);
  // The corp tag library in WeCom got the channel's tags.
  const names = siyu.emulator!.corpTags().flatMap((g) => g.tags.map((x) => `${g.groupName}/${x.name}`));
  for (const n of ['楼栋/1号楼', '海报/A款', '来源渠道/柜台-1号店', '客户行为/已加微']) t.true(names.includes(n), n);
});

const invalid: Array<[string, unknown]> = [
  ['empty name', { ...valid, name: '' }],
  ['name too long', { ...valid, name: '长'.repeat(31) }],
  ['unknown kind', { ...valid, kind: 'billboard' }],
  ['no reps', { ...valid, staffUserIds: [] }],
  ['duplicate reps', { ...valid, staffUserIds: ['rep001', 'rep001'] }],
  ['rep id with spaces', { ...valid, staffUserIds: ['rep 001'] }],
  ['welcome too long', { ...valid, welcomeText: '字'.repeat(1400) }],
  ['control characters', { ...valid, name: 'a\u0007b' }],
  ['tag too long', { ...valid, tags: ['组:' + '长'.repeat(31)] }],
  ['unknown field', { ...valid, extra: 1 }],
  ['wrong types', { ...valid, staffUserIds: 'rep001' }],
  ['store that does not exist', { ...valid, storeId: 12345 }],
];

for (const [what, body] of invalid) {
  test(`${b} channel with ${what} is refused in Chinese and nothing is written`, async (t) => {
    const siyu = await startApp(t);
    const res = await admin(siyu).post('/api/channels', body);
    t.is(res.status, 400, res.text);
    t.truthy(res.json.error.code);
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/, 'message is Chinese');
    t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 0);
    t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/add_contact_way').length, 0);
  });
}

test(`${b} validation errors name the field and say what is expected in plain Chinese, never zod's type jargon`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const { name: _name, ...noName } = valid;
  const missing = await api.post('/api/channels', noName);
  t.is(missing.status, 400);
  t.regex(missing.json.error.message, /缺少 name/);
  const wrongType = await api.post('/api/channels', { ...valid, name: 123 });
  t.regex(wrongType.json.error.message, /name 应为文字/);
  const list = await api.post('/api/channels', { ...valid, staffUserIds: 'rep001' });
  t.regex(list.json.error.message, /staffUserIds 应为列表/);
  const tooLong = await api.post('/api/channels', { ...valid, name: '长'.repeat(31) });
  t.regex(tooLong.json.error.message, /name 最多 30 个字/);
  const kind = await api.post('/api/channels', { ...valid, kind: 'tv' });
  t.regex(kind.json.error.message, /kind 应为 poster、elevator/);
  const extra = await api.post('/api/channels', { ...valid, extra: 1 });
  t.regex(extra.json.error.message, /不支持的字段：extra/);
  for (const r of [missing, wrongType, list, tooLong, kind, extra]) {
    t.notRegex(r.json.error.message, /期望|实际接收|string|undefined|Invalid/, r.json.error.message);
  }
  t.like(missing.json.error.details[0], { path: 'name', message: '缺少 name' });
});

test(`${b} malformed JSON and wrong content type are clear 4xx`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const bad = await api.post('/api/channels', '{"name":', { 'content-type': 'application/json' });
  t.is(bad.status, 400);
  t.is(bad.json.error.code, 'REQUEST.INVALID_JSON');
  const form = await api.post('/api/channels', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
  t.is(form.status, 415);
});

test(`${b} a rep WeCom does not know is refused and nothing is kept`, async (t) => {
  const siyu = await startApp(t);
  const res = await admin(siyu).post('/api/channels', { ...valid, staffUserIds: ['ghost_rep'] });
  t.is(res.status, 400, res.text);
  t.is(res.json.error.code, 'CHANNEL.STAFF_INVALID');
  t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 0);
});

test(`${b} WeCom unreachable keeps the channel as failed and sync retries it`, async (t) => {
  const siyu = await startApp(t);
  siyu.emulator!.injectFault('/cgi-bin/externalcontact/add_contact_way', { errcode: -1, times: 10 });
  const res = await admin(siyu).post('/api/channels', valid);
  t.is(res.status, 202, res.text);
  t.is(res.json.syncState, 'failed');
  t.is(res.json.configId, null);
  siyu.emulator!.clearFaults();
  const synced = await admin(siyu).post(`/api/channels/${res.json.id}/sync`);
  t.is(synced.status, 200);
  t.is(synced.json.syncState, 'synced');
  t.truthy(synced.json.configId);
});

test(`${b} the sandbox scan route walks the whole loop and survives an emulator that forgot the channel`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = (await api.post('/api/channels', { ...valid, welcomeText: '欢迎{name}' })).json;
  const scan = await api.post('/sandbox/scan', { channelId: ch.id, name: '沙盒客户' });
  t.is(scan.status, 200, scan.text);
  t.true(scan.json.callbackDelivered);
  t.is(scan.json.welcomeText, '欢迎沙盒客户');
  const customer = await api.get(`/api/customers/${scan.json.customerId}`);
  t.is(customer.json.name, '沙盒客户');
  // As after a restart: the in-memory emulator no longer has the contact way.
  await siyu.wecom.call('/cgi-bin/externalcontact/del_contact_way', { body: { config_id: ch.configId } });
  const again = await api.post('/sandbox/scan', { channelId: ch.id, name: '第二位' });
  t.is(again.status, 200, again.text);
  t.true(again.json.callbackDelivered);
  t.not((await api.get(`/api/channels/${ch.id}`)).json.configId, ch.configId);
  t.is((await api.post('/sandbox/scan', { channelId: 999 })).status, 404);
  t.is((await api.post('/sandbox/scan', { channelId: 'x' })).status, 400);
});

test(`${b} channels WeCom could not take are retried by the sync job until they are synced`, async (t) => {
  const siyu = await startApp(t);
  siyu.emulator!.injectFault('/cgi-bin/externalcontact/add_contact_way', { errcode: -1, times: 100 });
  const a = (await admin(siyu).post('/api/channels', { ...valid, name: '重试一' })).json;
  const b2 = (await admin(siyu).post('/api/channels', { ...valid, name: '重试二' })).json;
  t.is(a.syncState, 'failed');
  t.deepEqual(await siyu.channels.retryFailedSyncs(), { tried: 2, synced: 0 }, 'still down: both stay failed');
  siyu.emulator!.clearFaults();
  t.deepEqual(await siyu.channels.retryFailedSyncs(), { tried: 2, synced: 2 });
  for (const id of [a.id, b2.id]) {
    const c = (await admin(siyu).get(`/api/channels/${id}`)).json;
    t.is(c.syncState, 'synced');
    t.is(siyu.emulator!.contactWay(c.configId)?.state, c.code);
  }
  t.deepEqual(await siyu.channels.retryFailedSyncs(), { tried: 0, synced: 0 });
});

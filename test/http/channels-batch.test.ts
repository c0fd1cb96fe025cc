import test from 'ava';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const base = { kind: 'elevator', staffUserIds: ['rep001', 'rep002'], welcomeText: '您好{name}' };

test(`${b} a placement matrix makes one channel per combination, and repeating it makes none`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const body = {
    ...base,
    batchKey: 'spring-2026',
    namePattern: '电梯-{楼栋}-{电梯}',
    dimensions: { 楼栋: Array.from({ length: 12 }, (_, i) => `${i + 1}号楼`), 电梯: ['A', 'B', 'C', 'D'] },
    tags: ['海报:春季'],
  };
  const first = await api.post('/api/channels/batch', body);
  t.is(first.status, 201, first.text);
  t.is(first.json.created, 48);
  t.is(first.json.items.length, 48);
  t.deepEqual(first.json.items[0].attributes, { 楼栋: '1号楼', 电梯: 'A' });
  t.is(first.json.items[0].name, '电梯-1号楼-A');
  t.is(first.json.items[47].name, '电梯-12号楼-D');
  t.true(first.json.items.every((c: { syncState: string; configId: string }) => c.syncState === 'synced' && c.configId));
  t.is(new Set(first.json.items.map((c: { code: string }) => c.code)).size, 48);

  const again = await api.post('/api/channels/batch', body);
  t.is(again.status, 200);
  t.is(again.json.created, 0);
  t.is(again.json.existing, 48);
  t.deepEqual(again.json.items.map((c: { id: number }) => c.id), first.json.items.map((c: { id: number }) => c.id));
  t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 48);
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/add_contact_way').length, 48);

  // A customer from building 3, elevator B is tagged with that placement.
  const ch = first.json.items.find((c: { name: string }) => c.name === '电梯-3号楼-B');
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '住户' });
  await siyu.processor.drain();
  const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(scan.externalUserId))!);
  const tags = view.tags.map((x) => `${x.group}/${x.name}`);
  for (const expected of ['楼栋/3号楼', '电梯/B', '海报/春季', '来源渠道/电梯-3号楼-B', '客户行为/已加微']) t.true(tags.includes(expected), expected);
});

test(`${b} two identical batch calls at once answer the same channels, each made and pushed to WeCom once`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const body = { ...base, batchKey: 'race-1', namePattern: '电梯-{楼栋}-{电梯}', dimensions: { 楼栋: ['1号楼', '2号楼', '3号楼'], 电梯: ['A', 'B', 'C', 'D'] } };
  const [one, two] = await Promise.all([api.post('/api/channels/batch', body), api.post('/api/channels/batch', body)]);
  for (const res of [one, two]) {
    t.true(res.status === 200 || res.status === 201, res.text);
    t.is(res.json.items.length, 12);
    t.is(res.json.created + res.json.existing, 12);
  }
  t.is(one.json.created + two.json.created, 12);
  const ids = (r: typeof one) => r.json.items.map((c: { id: number }) => c.id);
  t.deepEqual(ids(one), ids(two));
  t.deepEqual(
    two.json.items.map((c: { name: string }) => c.name),
    ['1号楼', '2号楼', '3号楼'].flatMap((l) => ['A', 'B', 'C', 'D'].map((e) => `电梯-${l}-${e}`)),
  );
  t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 12);
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/add_contact_way').length, 12);
  const stored = await siyu.db('channels').select('sync_state', 'wecom_config_id');
  t.true(stored.every((r: { sync_state: string; wecom_config_id: string | null }) => r.sync_state === 'synced' && !!r.wecom_config_id));
  t.is(new Set(stored.map((r: { wecom_config_id: string }) => r.wecom_config_id)).size, 12);
});

const badBatches: Array<[string, Record<string, unknown>]> = [
  ['a pattern missing a dimension', { namePattern: '电梯-{楼栋}', dimensions: { 楼栋: ['1号楼'], 电梯: ['A', 'B'] } }],
  ['an unknown placeholder', { namePattern: '电梯-{楼层}', dimensions: { 楼栋: ['1号楼'] } }],
  ['too many combinations', { namePattern: '{a}{b}{c}', dimensions: { a: Array.from({ length: 10 }, (_, i) => `a${i}`), b: Array.from({ length: 10 }, (_, i) => `b${i}`), c: ['x', 'y', 'z'] } }],
  ['4 × 100 combinations (refused from the counts, never expanded)', { namePattern: '{a}{b}{c}{d}', dimensions: Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, Array.from({ length: 100 }, (_, i) => `${k}${i}`)])) }],
  ['101 values in a dimension', { namePattern: '{a}', dimensions: { a: Array.from({ length: 101 }, (_, i) => `a${i}`) } }],
  ['5 dimensions', { namePattern: '{a}{b}{c}{d}{e}', dimensions: { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'] } }],
  ['a value over 30 characters', { namePattern: '{a}', dimensions: { a: ['x'.repeat(31)] } }],
  ['repeated values', { namePattern: '{楼栋}', dimensions: { 楼栋: ['1号楼', '1号楼'] } }],
  ['a bad batch key', { batchKey: 'spring 2026!', namePattern: '{楼栋}', dimensions: { 楼栋: ['1号楼'] } }],
  ['names over 30 characters', { namePattern: '很长的渠道名称很长的渠道名称很长的渠道名称很长的渠道名称-{楼栋}', dimensions: { 楼栋: ['1号楼'] } }],
];
for (const [what, over] of badBatches) {
  test(`${b} a batch with ${what} is refused and writes nothing`, async (t) => {
    const siyu = await startApp(t);
    const res = await admin(siyu).post('/api/channels/batch', { ...base, batchKey: 'b1', ...over });
    t.is(res.status, 400, res.text);
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/);
    t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 0);
  });
}

test(`${b} editing reps and name is pushed to WeCom; a paused channel welcomes with the default text`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = (await api.post('/api/channels', { ...base, name: '柜台A', tags: [] })).json;
  const edited = await api.call('PATCH', `/api/channels/${ch.id}`, { name: '柜台A-新', staffUserIds: ['rep003'], welcomeText: '新欢迎语', attributes: { 位置: '入口' } });
  t.is(edited.status, 200, edited.text);
  t.is(edited.json.name, '柜台A-新');
  t.deepEqual(edited.json.attributes, { 位置: '入口' });
  const way = siyu.emulator!.contactWay(ch.configId) as { user: string[]; remark: string };
  t.deepEqual(way.user, ['rep003']);
  t.is(way.remark, '柜台A-新');

  const scan1 = await siyu.emulator!.customerScans(ch.configId, { name: '甲' });
  await siyu.processor.drain();
  t.is(siyu.emulator!.welcomes.find((w) => w.externalUserId === scan1.externalUserId)?.text, '新欢迎语');

  t.is((await api.post(`/api/channels/${ch.id}/pause`)).json.status, 'paused');
  const scan2 = await siyu.emulator!.customerScans(ch.configId, { name: '乙' });
  await siyu.processor.drain();
  t.is(siyu.emulator!.welcomes.find((w) => w.externalUserId === scan2.externalUserId)?.text, siyu.config.welcome.defaultText.replace('{name}', '乙'));
  t.is((await api.post(`/api/channels/${ch.id}/resume`)).json.status, 'active');
});

test(`${b} an edit WeCom refuses is not saved; one WeCom cannot take now is saved as failed and synced later`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = (await api.post('/api/channels', { ...base, name: '柜台B', tags: [] })).json;
  const refused = await api.call('PATCH', `/api/channels/${ch.id}`, { staffUserIds: ['ghost'] });
  t.is(refused.status, 400);
  t.is(refused.json.error.code, 'CHANNEL.STAFF_INVALID');
  t.deepEqual((await api.get(`/api/channels/${ch.id}`)).json.staffUserIds, ['rep001', 'rep002']);

  siyu.emulator!.injectFault('/cgi-bin/externalcontact/update_contact_way', { errcode: -1, times: 10 });
  const later = await api.call('PATCH', `/api/channels/${ch.id}`, { staffUserIds: ['rep003'] });
  t.is(later.status, 200);
  t.is(later.json.syncState, 'failed');
  t.deepEqual(later.json.staffUserIds, ['rep003']);
  siyu.emulator!.clearFaults();
  const synced = await api.post(`/api/channels/${ch.id}/sync`);
  t.is(synced.json.syncState, 'synced');
  t.deepEqual((siyu.emulator!.contactWay(ch.configId) as { user: string[] }).user, ['rep003']);
  t.is(synced.json.configId, ch.configId, 'the same QR code keeps working');

  t.is((await api.call('PATCH', `/api/channels/${ch.id}`, {})).status, 400);
  t.is((await api.call('PATCH', `/api/channels/${ch.id}`, { status: 'deleted' })).status, 400);
  t.is((await api.call('PATCH', '/api/channels/9999', { name: 'x' })).status, 404);
});

test(`${b} a channel's link card goes out with its welcome; a bad link is refused`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const link = { title: '新人专享福利', url: 'https://shop.example.test/new', desc: '点击领取' };
  const ch = (await api.post('/api/channels', { ...base, name: '带链接', tags: [], welcomeLink: link })).json;
  t.deepEqual(ch.welcomeLink, link);
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '丁' });
  await siyu.processor.drain();
  const w = siyu.emulator!.welcomes.find((x) => x.externalUserId === scan.externalUserId);
  t.deepEqual(w?.attachments, [{ msgtype: 'link', link }]);
  for (const bad of [{ title: 'x', url: 'javascript:alert(1)' }, { title: '', url: 'https://a.test' }, { title: 'x', url: 'https://a.test', extra: 1 }]) {
    t.is((await api.post('/api/channels', { ...base, name: '坏链接', tags: [], welcomeLink: bad })).status, 400, JSON.stringify(bad));
  }
});

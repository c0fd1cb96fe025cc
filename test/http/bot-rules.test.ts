import test from 'ava';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import type { Siyu } from '../../src/main/compose.js';

const b = `[${backendName}]`;
const valid = { name: '营业时间', scope: 'both', matchKind: 'contains', pattern: '营业时间', reply: '{name}您好，{store}每天 10:00–22:00 营业' };

async function addStore(siyu: Siyu, code: string): Promise<number> {
  const [id] = await siyu.db('stores').insert({ code, name: `${code}店`, created_at: 0 });
  return Number(id);
}

const count = async (siyu: Siyu, table: string) => Number((await siyu.db(table).count({ n: '*' }))[0]!.n);
const dm = (text: string, storeId: number | null = null) => ({ storeId, where: 'dm' as const, text, mentioned: false });

test(`${b} rules are created, listed, edited, disabled and deleted, and the bot sees each change`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const store = await addStore(siyu, 'nj01');
  const created = await api.post('/api/bot/rules', valid);
  t.is(created.status, 201, created.text);
  t.like(created.json, { ...valid, storeId: null, priority: 0, action: 'reply', actionArg: null, cooldownSec: 0, enabled: true });
  const own = await api.post('/api/bot/rules', { ...valid, storeId: store, name: '门店营业时间', priority: 3, reply: '本店 9 点开门' });
  t.is(own.status, 201, own.text);
  const ask = await api.post('/api/bot/rules', { ...valid, name: '打分', matchKind: 'exact', pattern: '打分', action: 'ask', actionArg: 'nps' });
  t.is(ask.status, 201, ask.text);

  t.is((await api.get('/api/bot/rules')).json.total, 3);
  t.deepEqual((await api.get(`/api/bot/rules?storeId=${store}`)).json.items.map((r: { id: number }) => r.id), [own.json.id]);
  t.deepEqual((await api.get('/api/bot/rules?storeId=0')).json.items.map((r: { id: number }) => r.id), [created.json.id, ask.json.id]);

  t.true(await siyu.rules.refresh(), 'creating bumped the version');
  t.is(siyu.rules.match(dm('请问营业时间', store))?.id, own.json.id);
  t.is(siyu.rules.match(dm('请问营业时间'))?.renderReply({ name: '李先生', store: '总店' }), '李先生您好，总店每天 10:00–22:00 营业');

  const edited = await api.call('PATCH', `/api/bot/rules/${own.json.id}`, { enabled: false });
  t.is(edited.status, 200, edited.text);
  t.false(edited.json.enabled);
  t.is(edited.json.reply, '本店 9 点开门', 'untouched fields stay');
  t.true(await siyu.rules.refresh());
  t.is(siyu.rules.match(dm('请问营业时间', store))?.id, created.json.id, 'the disabled store rule no longer answers');

  const toReply = await api.call('PATCH', `/api/bot/rules/${ask.json.id}`, { action: 'handoff' });
  t.is(toReply.status, 200, toReply.text);
  t.is(toReply.json.actionArg, null, 'leaving ask drops its question');
  t.is((await api.get(`/api/bot/rules/${ask.json.id}`)).json.actionArg, null);

  t.is((await api.call('DELETE', `/api/bot/rules/${created.json.id}`)).status, 204);
  t.is((await api.get(`/api/bot/rules/${created.json.id}`)).status, 404);
  t.true(await siyu.rules.refresh());
  t.is(siyu.rules.match(dm('请问营业时间', store)), undefined);
  t.false(await siyu.rules.refresh(), 'no change, no reload');

  t.is((await api.call('DELETE', `/api/bot/rules/${created.json.id}`)).status, 404);
  t.is((await api.call('PATCH', '/api/bot/rules/999999', { enabled: true })).status, 404);
  t.is((await api.call('PATCH', '/api/bot/rules/abc', { enabled: true })).status, 400);
  t.is((await fetch(`${siyu.url}/api/bot/rules`)).status, 401, 'the admin key is needed');
});

const invalid: Array<[string, Record<string, unknown>]> = [
  ['an empty pattern', { ...valid, pattern: '' }],
  ['a pattern over 255 characters', { ...valid, pattern: '长'.repeat(256) }],
  ['a regex that does not compile', { ...valid, matchKind: 'regex', pattern: '营业(时间' }],
  ['a regex with a lookahead', { ...valid, matchKind: 'regex', pattern: '(?=营业)营业时间' }],
  ['ask without a question', { ...valid, action: 'ask' }],
  ['ask with an unknown question', { ...valid, action: 'ask', actionArg: 'salary' }],
  ['an empty reply', { ...valid, reply: '' }],
  ['a reply over 1000 characters', { ...valid, reply: '字'.repeat(1001) }],
  ['an unknown template variable', { ...valid, reply: '{name}，您的手机号是 {phone}' }],
  ['an unknown scope', { ...valid, scope: 'channel' }],
  ['an unknown field', { ...valid, extra: true }],
  ['a store that does not exist', { ...valid, storeId: 4242 }],
];

for (const [what, body] of invalid) {
  test(`${b} a rule with ${what} is refused in Chinese and nothing is written`, async (t) => {
    const siyu = await startApp(t);
    const res = await admin(siyu).post('/api/bot/rules', body);
    t.is(res.status, 400, res.text);
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/);
    t.is(await count(siyu, 'bot_rules'), 0);
    await siyu.rules.refresh();
    t.is(siyu.rules.match(dm(valid.pattern)), undefined);
  });
}

test(`${b} an invalid edit is refused and the rule stays as it was`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rule = (await api.post('/api/bot/rules', valid)).json;
  for (const patch of [{ matchKind: 'regex', pattern: '(a)\\1' }, { reply: '{coupon}' }, { action: 'ask' }, {}, { pattern: 7 }]) {
    const res = await api.call('PATCH', `/api/bot/rules/${rule.id}`, patch);
    t.is(res.status, 400, JSON.stringify(patch));
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/);
  }
  t.deepEqual((await api.get(`/api/bot/rules/${rule.id}`)).json, rule);
});

test(`${b} templates: store override beats global override beats default, and reset goes back`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const store = await addStore(siyu, 'sh01');
  const other = await addStore(siyu, 'sh02');
  const entry = async (storeId?: number) =>
    (await api.get(`/api/bot/templates${storeId ? `?storeId=${storeId}` : ''}`)).json.items.find((e: { key: string }) => e.key === 'spam.warn');

  const def = await entry(store);
  t.like(def, { source: 'default', overridden: false });
  t.deepEqual(def.vars, ['name', 'strikes', 'max']);
  t.is(def.text, def.defaultText);
  t.is(siyu.templates.render('spam.warn', store, { name: '小王', strikes: 1, max: 3 }), def.text.replace('{name}', '小王').replaceAll('{strikes}', '1').replaceAll('{max}', '3'));

  const global = await api.call('PUT', '/api/bot/templates/spam.warn', { text: '{name} 请勿刷屏（{strikes}/{max}）' });
  t.is(global.status, 200, global.text);
  t.like(global.json, { source: 'global', overridden: true });
  const own = await api.call('PUT', '/api/bot/templates/spam.warn', { storeId: store, text: '{name}，本群禁止广告' });
  t.like(own.json, { source: 'store', overridden: true, text: '{name}，本群禁止广告' });
  t.like(await entry(other), { source: 'global', overridden: false, text: '{name} 请勿刷屏（{strikes}/{max}）' });
  t.like(await entry(), { source: 'global', overridden: true });

  // The API's own process reloaded after writing; another process would within checkEveryMs.
  t.is(siyu.templates.render('spam.warn', store, { name: '小王' }), '小王，本群禁止广告');
  t.is(siyu.templates.render('spam.warn', other, { name: '小王', strikes: 2, max: 3 }), '小王 请勿刷屏（2/3）');
  t.is(siyu.templates.render('spam.warn', null, { name: '小王' }), '小王 请勿刷屏（/）', 'missing values render empty');

  const reset = await api.call('DELETE', `/api/bot/templates/spam.warn?storeId=${store}`);
  t.is(reset.status, 200, reset.text);
  t.like(reset.json, { source: 'global', overridden: false });
  t.is(siyu.templates.render('spam.warn', store, { name: '小王', strikes: 2, max: 3 }), '小王 请勿刷屏（2/3）');
  await api.call('DELETE', '/api/bot/templates/spam.warn');
  t.like(await entry(store), { source: 'default', text: def.defaultText });
  t.is(siyu.templates.render('spam.warn', store, { name: '小王', strikes: 1, max: 3 }).startsWith('@小王'), def.defaultText.startsWith('@{name}'));
  t.is(await count(siyu, 'bot_templates'), 0);
});

test(`${b} every template key is listed with its default, and bad overrides are refused in Chinese`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  t.true(await siyu.templates.refresh(), 'the first refresh loads');
  const list = (await api.get('/api/bot/templates')).json.items as Array<{ key: string; text: string; source: string }>;
  for (const k of ['fallback', 'handoff.customer', 'handoff.rep', 'optout.confirm', 'group.welcome', 'spam.owner', 'ask.nps', 'ask.birthday.thanks', 'rep.customer.many']) {
    t.true(list.some((e) => e.key === k && e.source === 'default' && e.text.length > 0), k);
  }
  const bad: Array<[string, unknown, number]> = [
    ['spam.warn', { text: '{name} 的手机号 {phone}' }, 400],
    ['group.welcome', { text: '欢迎 {name}' }, 400],
    ['fallback', { text: '' }, 400],
    ['fallback', { text: '字'.repeat(1001) }, 400],
    ['fallback', { storeId: 999, text: '没听懂' }, 400],
    ['fallback', { text: 5 }, 400],
    ['no.such.key', { text: '你好' }, 404],
  ];
  for (const [key, body, status] of bad) {
    const res = await api.call('PUT', `/api/bot/templates/${key}`, body);
    t.is(res.status, status, `${key} ${JSON.stringify(body)}: ${res.text}`);
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/);
  }
  t.is(await count(siyu, 'bot_templates'), 0);
  t.false(await siyu.templates.refresh(), 'refused writes did not bump the version');
  const ok = await api.call('PUT', '/api/bot/templates/group.welcome', { text: '欢迎 {count} 位新朋友入群' });
  t.is(ok.status, 200, ok.text);
  t.is(siyu.templates.render('group.welcome', 3, { count: 2 }), '欢迎 2 位新朋友入群');
});

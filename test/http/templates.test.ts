import test from 'ava';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import type { Siyu } from '../../src/main/compose.js';

const b = `[${backendName}]`;
const count = async (siyu: Siyu, table: string) => Number((await siyu.db(table).count({ n: '*' }))[0]!.n);
const channel = { name: '电梯-3号楼', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '您好{name}，欢迎！' };
const rule = { name: '营业时间', scope: 'both', matchKind: 'contains', pattern: '营业时间', reply: '{name}您好，{store}10 点开门' };
const journey = { name: '新客', trigger: 'contact_added', steps: [{ type: 'send', text: '{name}您好，送您一张券 {coupon}', coupon: true }, { type: 'task', title: '回访{name}' }] };

test(`${b} every save path refuses a text with an unknown variable or {{name}}: 400, the variable named in Chinese, nothing written`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const journeysBefore = await count(siyu, 'journeys');
  const cases: Array<[string, string, Record<string, unknown>, string, string]> = [
    ['POST', '/api/channels', { ...channel, welcomeText: '您好{name}，{store}欢迎您' }, 'TEMPLATE.UNKNOWN_VARIABLE', '欢迎语：未知变量 {store}，可用：{name}'],
    ['POST', '/api/channels', { ...channel, welcomeText: '您好{{name}}' }, 'TEMPLATE.DOUBLE_BRACES', '欢迎语：变量请用单层花括号：把 {{name}} 改为 {name}'],
    [
      'POST',
      '/api/channels/batch',
      { batchKey: 'b1', namePattern: '电梯-{楼栋}', dimensions: { 楼栋: ['1号楼', '2号楼'] }, kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '{nickname}您好' },
      'TEMPLATE.UNKNOWN_VARIABLE',
      '欢迎语：未知变量 {nickname}，可用：{name}',
    ],
    ['POST', '/api/bot/rules', { ...rule, reply: '{name}，您的手机号是 {phone}' }, 'TEMPLATE.UNKNOWN_VARIABLE', '回复：未知变量 {phone}，可用：{name}、{store}'],
    ['PUT', '/api/bot/templates/fallback', { text: '没听懂，{coupon}' }, 'TEMPLATE.UNKNOWN_VARIABLE', '文案：未知变量 {coupon}，可用：{name}、{store}'],
    ['PUT', '/api/bot/templates/rep.unknown_staff', { text: '{name} 请联系管理员' }, 'TEMPLATE.UNKNOWN_VARIABLE', '文案：未知变量 {name}，此文案不支持变量'],
    ['POST', '/api/journeys', { ...journey, steps: [{ type: 'wait', days: 1 }, { type: 'send', text: '{store}欢迎{name}' }] }, 'TEMPLATE.UNKNOWN_VARIABLE', '第 2 步：未知变量 {store}，可用：{name}、{coupon}'],
    ['POST', '/api/journeys', { ...journey, steps: [{ type: 'task', title: '回访{{name}}' }] }, 'TEMPLATE.DOUBLE_BRACES', '第 1 步：变量请用单层花括号：把 {{name}} 改为 {name}'],
  ];
  for (const [method, path, body, code, message] of cases) {
    const res = await api.call(method, path, body);
    t.is(res.status, 400, `${path}: ${res.text}`);
    t.like(res.json.error, { code, message }, path);
  }
  for (const table of ['channels', 'bot_rules', 'bot_templates']) t.is(await count(siyu, table), 0, table);
  t.is(await count(siyu, 'journeys'), journeysBefore);
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/add_contact_way').length, 0, 'no WeCom contact way was made for a refused channel');
});

test(`${b} an edit with an unknown variable is refused and the stored text stays as it was`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = await api.post('/api/channels', channel);
  t.is(ch.status, 201, ch.text);
  const r = await api.post('/api/bot/rules', rule);
  t.is(r.status, 201, r.text);
  const j = await api.post('/api/journeys', journey);
  t.is(j.status, 201, j.text);

  const edits: Array<[string, Record<string, unknown>, string]> = [
    [`/api/channels/${ch.json.id}`, { welcomeText: '欢迎 {vip}' }, '欢迎语：未知变量 {vip}，可用：{name}'],
    [`/api/bot/rules/${r.json.id}`, { reply: '{名字}您好 {Name}' }, '回复：未知变量 {Name}，可用：{name}、{store}'],
    [`/api/journeys/${j.json.id}`, { steps: [{ type: 'send', text: '{name} {points} 积分' }] }, '第 1 步：未知变量 {points}，可用：{name}、{coupon}'],
  ];
  for (const [path, patch, message] of edits) {
    const res = await api.call('PATCH', path, patch);
    t.is(res.status, 400, `${path}: ${res.text}`);
    t.like(res.json.error, { code: 'TEMPLATE.UNKNOWN_VARIABLE', message }, path);
  }
  t.is((await api.get(`/api/channels/${ch.json.id}`)).json.welcomeText, channel.welcomeText);
  t.is((await api.get(`/api/bot/rules/${r.json.id}`)).json.reply, rule.reply);
  t.deepEqual((await api.get(`/api/journeys/${j.json.id}`)).json.steps, j.json.steps);
});

test(`${b} a welcome default text with an unknown variable or {{name}} stops start-up, naming the setting`, async (t) => {
  for (const [text, re] of [
    ['您好{{name}}，感谢添加！', /WELCOME_DEFAULT_TEXT：变量请用单层花括号：把 \{\{name\}\} 改为 \{name\}/],
    ['您好{nick}', /WELCOME_DEFAULT_TEXT：未知变量 \{nick\}，可用：\{name\}/],
  ] as const) {
    await t.throwsAsync(startApp(t, { overrides: { welcome: { defaultText: text } } }), { message: re });
  }
});

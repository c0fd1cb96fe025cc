import { readFile } from 'node:fs/promises';
import test from 'ava';
import { WecomApiError } from '../../../src/integrations/wecom/api-client.js';
import { AppMessageApi } from '../../../src/integrations/wecom/app-message-api.js';
import { CUSTOMER_PAGE, WecomStaffNotifier } from '../../../src/integrations/wecom/staff-notifier.js';
import { createLogger } from '../../../src/shared/logger.js';
import { AppError } from '../../../src/shared/errors.js';
import { backendName } from '../../support/backends.js';
import { AGENT_ID, emulatorWithClient } from './client-harness.js';

const b = `[${backendName}]`;

test(`${b} a text app message reaches each rep once, with the agent token, and unknown reps are reported`, async (t) => {
  const { em, client } = await emulatorWithClient(t);
  const api = new AppMessageApi(client, AGENT_ID);
  const r = await api.sendAppText({ toUsers: ['rep001', 'rep002', 'rep001', 'Ghost9'], text: '新客福利1群已满员' });
  t.truthy(r.msgid);
  t.deepEqual(r.invalidUsers, ['ghost9']);
  t.deepEqual(
    em.appMessages.map((m) => [m.userid, m.agentid, m.msgtype, (m.payload as { content: string }).content]),
    [
      ['rep001', AGENT_ID, 'text', '新客福利1群已满员'],
      ['rep002', AGENT_ID, 'text', '新客福利1群已满员'],
    ],
  );
  // message/send went out with the agent app's token, not the customer-contact one.
  const call = em.callsTo('/cgi-bin/message/send')[0]!;
  t.is(em.token(call.query.access_token!)?.secret, 'agent-secret');
});

test(`${b} a text card carries title, description, link and button`, async (t) => {
  const { em, client } = await emulatorWithClient(t);
  const api = new AppMessageApi(client, AGENT_ID);
  await api.sendAppTextCard({ toUsers: ['rep002'], title: '群活码需要新群', description: '所有群已满员', url: 'https://siyu.example.test/room-pools/1', btntxt: '去处理' });
  t.is(em.appMessages.length, 1);
  t.like(em.appMessages[0]!, { userid: 'rep002', msgtype: 'textcard' });
  t.like(em.appMessages[0]!.payload as object, { title: '群活码需要新群', description: '所有群已满员', url: 'https://siyu.example.test/room-pools/1', btntxt: '去处理' });
});

test(`${b} no valid recipient is WeCom's 81013; an empty list never calls WeCom`, async (t) => {
  const { em, client } = await emulatorWithClient(t);
  const api = new AppMessageApi(client, AGENT_ID);
  const e = await t.throwsAsync(api.sendAppText({ toUsers: ['nobody'], text: 'x' }), { instanceOf: WecomApiError });
  t.is(e.errcode, 81013);
  await t.throwsAsync(api.sendAppText({ toUsers: [], text: 'x' }), { instanceOf: AppError, message: /接收人/ });
  t.is(em.callsTo('/cgi-bin/message/send').length, 1);
  t.is(em.appMessages.length, 0);
});

test(`${b} a wrong agent id is refused by WeCom`, async (t) => {
  const { client } = await emulatorWithClient(t);
  const e = await t.throwsAsync(new AppMessageApi(client, 999).sendAppText({ toUsers: ['rep001'], text: 'x' }), { instanceOf: WecomApiError });
  t.not(e.errcode, 0);
});

const MINI = 'wx0123456789abcdef';
const notice = { toUsers: ['rep001'], appId: MINI, page: 'pages/customer-detail/customer-detail?id=7', title: '客户需要人工回复', items: [{ key: '客户', value: '小爱' }] };

test(`${b} a mini-program notice opens a page of the linked mini-program; an unlinked appid is 90207 and delivers nothing`, async (t) => {
  const { em, client } = await emulatorWithClient(t, { linkedMiniAppIds: [MINI] });
  const api = new AppMessageApi(client, AGENT_ID);
  await api.sendMiniProgramNotice({ ...notice, emphasisFirstItem: true });
  t.is(em.appMessages.length, 1);
  t.like(em.appMessages[0]!, { userid: 'rep001', msgtype: 'miniprogram_notice' });
  t.deepEqual(em.appMessages[0]!.payload, { appid: MINI, page: notice.page, title: '客户需要人工回复', description: undefined, emphasis_first_item: true, content_item: [{ key: '客户', value: '小爱' }] });

  const e = await t.throwsAsync(api.sendMiniProgramNotice({ ...notice, appId: 'wxfedcba9876543210' }), { instanceOf: WecomApiError });
  t.is(e.errcode, 90207);
  t.is(em.appMessages.length, 1);
});

test(`${b} WeCom's limits on a mini-program notice: title 4–12 characters, at most 10 items, keys ≤ 10 and values ≤ 30 characters`, async (t) => {
  const { em, client } = await emulatorWithClient(t, { linkedMiniAppIds: [MINI] });
  const api = new AppMessageApi(client, AGENT_ID);
  const refused = async (what: string, p: typeof notice) => {
    const e = await t.throwsAsync(api.sendMiniProgramNotice(p), { instanceOf: WecomApiError }, what);
    t.is(e?.errcode, 40058, what);
  };
  await refused('title too short', { ...notice, title: '客户' });
  await refused('title too long', { ...notice, title: '客户需要人工回复请尽快处理一下' });
  await refused('eleven items', { ...notice, items: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: 'v' })) });
  await refused('a long key', { ...notice, items: [{ key: '这是一个超过十个字的键名称', value: 'v' }] });
  await refused('a long value', { ...notice, items: [{ key: '留言', value: '字'.repeat(31) }] });
  const e = await t.throwsAsync(api.sendMiniProgramNotice({ ...notice, title: '' }), { instanceOf: WecomApiError });
  t.is(e.errcode, 41016, 'no title');
  t.is(em.appMessages.length, 0);
  await api.sendMiniProgramNotice({ ...notice, title: '四个字啊', items: [{ key: '十个字的键名称呀呀', value: '字'.repeat(30) }] });
  t.is(em.appMessages.length, 1, 'the limits themselves are allowed');
});

const handoff = { customerId: 7, customerName: '小爱', excerpt: '订单号 12345 一直没发货', taskId: 3, text: '客户小爱（编号 7）需要人工回复' };

test(`${b} the hand-off notice is a card opening the customer's page when a mini-program is linked, else the text`, async (t) => {
  const { em, client } = await emulatorWithClient(t, { linkedMiniAppIds: [MINI] });
  const api = new AppMessageApi(client, AGENT_ID);
  const log = createLogger({ level: 'silent' });
  await new WecomStaffNotifier({ api, miniAppId: MINI, log }).handoff(['rep001'], handoff);
  t.like(em.appMessages.at(-1)!, { userid: 'rep001', msgtype: 'miniprogram_notice' });
  t.like(em.appMessages.at(-1)!.payload as object, { appid: MINI, page: 'pages/customer-detail/customer-detail?id=7' });
  t.deepEqual((em.appMessages.at(-1)!.payload as { content_item: unknown }).content_item, [
    { key: '客户', value: '小爱' },
    { key: '客户编号', value: '7' },
    { key: '客户留言', value: '订单号 12345 一直没发货' },
    { key: '跟进任务', value: '#3' },
  ]);

  // WeCom's 30-character values: a long name is cut rather than the card refused.
  await new WecomStaffNotifier({ api, miniAppId: MINI, log }).handoff(['rep002'], { ...handoff, customerName: '名'.repeat(40) });
  t.like(em.appMessages.at(-1)!, { userid: 'rep002', msgtype: 'miniprogram_notice' });
  t.is((em.appMessages.at(-1)!.payload as { content_item: Array<{ value: string }> }).content_item[0]!.value, `${'名'.repeat(29)}…`);

  await new WecomStaffNotifier({ api, log }).handoff(['rep002'], handoff);
  t.like(em.appMessages.at(-1)!, { userid: 'rep002', msgtype: 'text', payload: { content: handoff.text } });

  // A mini-program WeCom refuses (not linked to the app): the rep still gets the text.
  await new WecomStaffNotifier({ api, miniAppId: 'wxfedcba9876543210', log }).handoff(['rep001'], { ...handoff, customerName: '名'.repeat(40) });
  t.like(em.appMessages.at(-1)!, { userid: 'rep001', msgtype: 'text', payload: { content: handoff.text } });
  t.is(em.appMessages.length, 4);
});

test('the customer page the notice opens is a page of the mini-program', async (t) => {
  const app = JSON.parse(await readFile(new URL('../../../miniprogram/src/app.json', import.meta.url), 'utf8')) as { pages: string[] };
  t.true(app.pages.includes(CUSTOMER_PAGE));
});

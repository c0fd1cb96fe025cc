import test from 'ava';
import { WecomApiError } from '../../../src/integrations/wecom/api-client.js';
import { AppMessageApi } from '../../../src/integrations/wecom/app-message-api.js';
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

import test from 'ava';
import { WecomApiError } from '../../../src/integrations/wecom/api-client.js';
import { GroupChatApi } from '../../../src/integrations/wecom/groupchat-api.js';
import { AppError } from '../../../src/shared/errors.js';
import { backendName } from '../../support/backends.js';
import { emulatorWithClient } from './client-harness.js';

const b = `[${backendName}]`;

test(`${b} a join way is created with its chats and read back with a QR code`, async (t) => {
  const { em, client } = await emulatorWithClient(t);
  const api = new GroupChatApi(client);
  const a = em.addGroupChat({ owner: 'rep001', name: '福利1群' }).chatId;
  const c = em.addGroupChat({ owner: 'rep001', name: '福利2群' }).chatId;
  const configId = await api.addJoinWay({ remark: '新客福利群活码', roomBaseName: '新客福利群', roomBaseId: 3, chatIds: [a, c], state: 'rp_1' });
  const stored = em.joinWay(configId)!;
  t.deepEqual(stored.chatIdList, [a, c]);
  t.is(stored.scene, 2);
  t.is(stored.autoCreateRoom, 1);
  t.is(stored.roomBaseName, '新客福利群');
  t.is(stored.roomBaseId, 3);
  t.is(stored.state, 'rp_1');
  const way = await api.getJoinWay(configId);
  t.is(way.configId, configId);
  t.deepEqual(way.chatIds, [a, c]);
  t.true(way.autoCreateRoom);
  t.is(way.qrCode, stored.qrCode);
  t.truthy(way.qrCode);
});

test(`${b} updating a join way overwrites its chat list and keeps the QR; deleting removes it`, async (t) => {
  const { em, client } = await emulatorWithClient(t);
  const api = new GroupChatApi(client);
  const [a, c, d] = [1, 2, 3].map((i) => em.addGroupChat({ owner: 'rep001', name: `群${i}` }).chatId);
  const configId = await api.addJoinWay({ chatIds: [a!, c!], autoCreateRoom: false });
  t.is(em.joinWay(configId)!.autoCreateRoom, 0);
  const qr = (await api.getJoinWay(configId)).qrCode;
  await api.updateJoinWay(configId, { chatIds: [c!, d!], remark: '改' });
  const way = await api.getJoinWay(configId);
  t.deepEqual(way.chatIds, [c, d]);
  t.is(way.remark, '改');
  t.true(way.autoCreateRoom, 'update overwrites: auto_create_room back to its default');
  t.is(way.qrCode, qr);
  await api.delJoinWay(configId);
  t.is(em.joinWay(configId), undefined);
  const e = await t.throwsAsync(api.getJoinWay(configId), { instanceOf: WecomApiError });
  t.is(e.errcode, 40058);
});

test(`${b} more than five chats is refused before calling WeCom; WeCom's refusals surface with their errcode`, async (t) => {
  const { em, client } = await emulatorWithClient(t);
  const api = new GroupChatApi(client);
  const ids = [1, 2, 3, 4, 5, 6].map((i) => em.addGroupChat({ owner: 'rep001', name: `群${i}` }).chatId);
  await t.throwsAsync(api.addJoinWay({ chatIds: ids }), { instanceOf: AppError, message: /1 到 5 个群/ });
  await t.throwsAsync(api.addJoinWay({ chatIds: [] }), { instanceOf: AppError });
  t.is(em.callsTo('/cgi-bin/externalcontact/groupchat/add_join_way').length, 0);
  const unknown = await t.throwsAsync(api.addJoinWay({ chatIds: ['wrNOSUCHCHAT'] }), { instanceOf: WecomApiError });
  t.false(unknown.transient);
  em.injectFault('/cgi-bin/externalcontact/groupchat/add_join_way', { errcode: -1, times: 1 });
  t.truthy(await api.addJoinWay({ chatIds: ids.slice(0, 5) }), 'a system-busy answer is retried');
});

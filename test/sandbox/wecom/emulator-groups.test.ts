import test from 'ava';
import { WECOM_ERRCODE as E } from '../../../src/sandbox/wecom/index.js';
import { startEmulator, startWithReceiver, type Json } from './emulator-harness.js';

const G = '/cgi-bin/externalcontact/groupchat';
const X = '/cgi-bin/externalcontact';

async function withGroups(t: Parameters<typeof startEmulator>[0], opts: Parameters<typeof startEmulator>[1] = {}) {
  const h = await startEmulator(t, opts);
  h.em.addEmployee('rep001', { name: '小王' });
  h.em.addEmployee('rep002');
  const customer = h.em.addExternalUser({ name: '李四', unionid: 'oU1' }).externalUserId;
  const a = h.em.addGroupChat({ owner: 'rep001', name: 'A3福利群', members: ['rep002', customer] }).chatId;
  const b = h.em.addGroupChat({ owner: 'rep002', name: 'B群' }).chatId;
  return { h, customer, a, b };
}

// ---------------------------------------------------------------- groupchat list/get

test('groupchat/list needs a limit of 1–1000 and filters by owner', async (t) => {
  const { h, a, b } = await withGroups(t);
  t.regex(a, /^wr[A-Za-z0-9]{30}$/);
  t.is((await h.post(`${G}/list`, {})).errcode, E.INVALID_PARAM, 'limit is required');
  t.is((await h.post(`${G}/list`, { limit: 0 })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${G}/list`, { limit: 1001 })).errcode, E.INVALID_PARAM);
  const owners = Array.from({ length: 101 }, (_, i) => `u${i}`);
  t.is((await h.post(`${G}/list`, { limit: 10, owner_filter: { userid_list: owners } })).errcode, E.INVALID_PARAM);
  const mine = await h.post(`${G}/list`, { limit: 10, owner_filter: { userid_list: ['rep002'] } });
  t.deepEqual(mine.group_chat_list, [{ chat_id: b, status: 0 }]);
  const p1 = await h.post(`${G}/list`, { limit: 1 });
  t.deepEqual(p1.group_chat_list, [{ chat_id: a, status: 0 }]);
  const p2 = await h.post(`${G}/list`, { limit: 1, cursor: p1.next_cursor });
  t.deepEqual(p2.group_chat_list, [{ chat_id: b, status: 0 }]);
  t.is(p2.next_cursor, '');
});

test('groupchat/list without owner_filter is 81017 once the visible range passes 1000', async (t) => {
  const { h } = await withGroups(t);
  for (let i = 0; i < 1000; i++) h.em.addEmployee(`bulk${i}`);
  t.is((await h.post(`${G}/list`, { limit: 10 })).errcode, E.VISIBLE_RANGE_TOO_LARGE);
  t.is((await h.post(`${G}/list`, { limit: 10, owner_filter: { userid_list: ['rep001'] } })).errcode, 0);
});

test('groupchat/get returns members, admins and member_version, names only with need_name', async (t) => {
  const { h, a, customer } = await withGroups(t);
  t.is((await h.post(`${G}/get`, { chat_id: 'wrNOPE' })).errcode, E.INVALID_CHATID);
  t.is((await h.post(`${G}/get`, {})).errcode, E.INVALID_CHATID);
  const r = await h.post(`${G}/get`, { chat_id: a });
  t.like(r.group_chat, { chat_id: a, name: 'A3福利群', owner: 'rep001', admin_list: [] });
  t.regex(r.group_chat.member_version, /^[0-9a-f]{32}$/);
  const members = r.group_chat.member_list as Json[];
  t.deepEqual(members.map((m) => [m.userid, m.type]), [['rep001', 1], ['rep002', 1], [customer, 2]]);
  t.is(members[2]!.unionid, 'oU1');
  t.deepEqual(members[1]!.invitor, { userid: 'rep001' });
  t.is(members[0]!.name, undefined);
  const named = await h.post(`${G}/get`, { chat_id: a, need_name: 1 });
  t.deepEqual(named.group_chat.member_list.map((m: Json) => m.name), ['小王', 'rep002', '李四']);
});

// ---------------------------------------------------------------- join ways

test('a join way is created, read with its QR, updated and deleted', async (t) => {
  const { h, a, b } = await withGroups(t);
  const add = await h.post(`${G}/add_join_way`, {
    scene: 2,
    remark: '备'.repeat(35),
    auto_create_room: 1,
    room_base_name: 'A3福利群',
    room_base_id: 1,
    chat_id_list: [a],
    state: 'grp_A3',
  });
  t.is(add.errcode, 0);
  t.regex(add.config_id, /^[0-9a-f]{32}$/);
  const got = (await h.post(`${G}/get_join_way`, { config_id: add.config_id })).join_way;
  t.like(got, { config_id: add.config_id, scene: 2, auto_create_room: 1, room_base_name: 'A3福利群', room_base_id: 1, chat_id_list: [a], state: 'grp_A3' });
  t.is(got.remark, '备'.repeat(30), 'remark is truncated at 30 characters, not refused');
  t.regex(got.qr_code, /^https:\/\//);
  t.is((await h.post(`${G}/update_join_way`, { config_id: add.config_id, chat_id_list: [a, b], state: 'grp_B' })).errcode, 0);
  t.like((await h.post(`${G}/get_join_way`, { config_id: add.config_id })).join_way, { chat_id_list: [a, b], state: 'grp_B', scene: 2 });
  t.is((await h.post(`${G}/del_join_way`, { config_id: add.config_id })).errcode, 0);
  t.is((await h.post(`${G}/get_join_way`, { config_id: add.config_id })).errcode, E.INVALID_PARAM);
});

const joinWayErrors: Array<[string, (a: string) => Json, number]> = [
  ['six chats', (a) => ({ scene: 2, chat_id_list: [a, a, a, a, a, a] }), E.INVALID_PARAM],
  ['no chats', () => ({ scene: 2, chat_id_list: [] }), E.INVALID_PARAM],
  ['an unknown chat', (a) => ({ scene: 2, chat_id_list: [a, 'wrNOPE'] }), E.INVALID_CHATID],
  ['a state over 30 chars', (a) => ({ scene: 2, chat_id_list: [a], state: 's'.repeat(31) }), E.INVALID_PARAM],
  ['scene missing', (a) => ({ chat_id_list: [a] }), E.INVALID_PARAM],
  ['scene 3', (a) => ({ scene: 3, chat_id_list: [a] }), E.INVALID_PARAM],
  ['room_base_name over 40 chars', (a) => ({ scene: 2, chat_id_list: [a], room_base_name: 'n'.repeat(41) }), E.INVALID_PARAM],
];
for (const [title, body, errcode] of joinWayErrors) {
  test(`add_join_way with ${title} answers ${errcode}`, async (t) => {
    const { h, a } = await withGroups(t);
    t.is((await h.post(`${G}/add_join_way`, body(a))).errcode, errcode);
  });
}

test('group events keep groupchat/get consistent: join scenes, join-way state, versions, quit, rename, dismiss', async (t) => {
  const h = await startWithReceiver(t);
  const created = await h.em.groupCreate({ owner: 'rep001', name: '新群' });
  t.true(created.delivered);
  const way = await h.post(`${G}/add_join_way`, { scene: 2, chat_id_list: [created.chatId], state: 'grp_A3' });
  const before = (await h.post(`${G}/get`, { chat_id: created.chatId })).group_chat.member_version;
  const c1 = h.em.addExternalUser().externalUserId;
  const c2 = h.em.addExternalUser().externalUserId;
  const joined = await h.em.groupJoin(created.chatId, [c1], 3, { joinWay: way.config_id });
  await h.em.groupJoin(created.chatId, [c2, 'rep002'], 0, { invitor: 'rep001', viaLink: true });

  const event = h.rx.received[1]!.event!;
  t.like(event, { Event: 'change_external_chat', ChatId: created.chatId, ChangeType: 'update', UpdateDetail: 'add_member', JoinScene: '3', MemChangeCnt: '1' });
  t.deepEqual(event.MemChangeList, { Item: c1 });
  t.is(event.LastMemVer, before);
  t.true(joined.delivered);

  const chat = (await h.post(`${G}/get`, { chat_id: created.chatId })).group_chat;
  t.is(chat.member_version, h.rx.received[2]!.event!.CurMemVer, 'the latest event version matches groupchat/get');
  const byId = Object.fromEntries((chat.member_list as Json[]).map((m) => [m.userid, m]));
  t.like(byId[c1], { type: 2, join_scene: 3, state: 'grp_A3' });
  t.is(byId[c1].invitor, undefined);
  t.like(byId[c2], { join_scene: 2, invitor: { userid: 'rep001' } });
  t.like(byId.rep002, { type: 1, join_scene: 2 });

  await h.em.groupQuit(created.chatId, [c2], 1);
  t.like(h.rx.received[3]!.event, { UpdateDetail: 'del_member', QuitScene: '1', MemChangeCnt: '1' });
  await h.em.groupRename(created.chatId, '改名群');
  t.like(h.rx.received[4]!.event, { ChangeType: 'update', UpdateDetail: 'change_name' });
  const renamed = (await h.post(`${G}/get`, { chat_id: created.chatId })).group_chat;
  t.is(renamed.name, '改名群');
  t.false((renamed.member_list as Json[]).some((m) => m.userid === c2));
  await h.em.groupDismiss(created.chatId);
  t.like(h.rx.received[5]!.event, { Event: 'change_external_chat', ChangeType: 'dismiss', ChatId: created.chatId });
  t.is((await h.post(`${G}/get`, { chat_id: created.chatId })).errcode, E.INVALID_CHATID);
  t.like(h.rx.received[0]!.event, { Event: 'change_external_chat', ChangeType: 'create', ChatId: created.chatId });
});

// ---------------------------------------------------------------- mass messages

test('a mass message is a task: fail_list for non-friends, nothing sent until the employee confirms', async (t) => {
  const { h } = await withGroups(t);
  const friend = h.em.addExternalUser().externalUserId;
  const leaving = h.em.addExternalUser().externalUserId;
  const stranger = h.em.addExternalUser().externalUserId;
  h.em.addRelationship('rep001', friend);
  h.em.addRelationship('rep001', leaving);
  const r = await h.post(`${X}/add_msg_template`, {
    chat_type: 'single',
    external_userid: [friend, leaving, stranger, 'wmUNKNOWN'],
    sender: 'rep001',
    text: { content: '感谢购买' },
    attachments: [{ msgtype: 'link', link: { title: '使用小贴士', url: 'https://example.test/tips' } }],
  });
  t.is(r.errcode, 0);
  t.regex(r.msgid, /^msg/);
  t.deepEqual(r.fail_list, [stranger, 'wmUNKNOWN']);

  const task = await h.post(`${X}/get_groupmsg_task`, { msgid: r.msgid });
  t.deepEqual(task.task_list, [{ userid: 'rep001', status: 0 }]);
  const pending = await h.post(`${X}/get_groupmsg_send_result`, { msgid: r.msgid, userid: 'rep001' });
  t.deepEqual(pending.send_list.map((s: Json) => s.status), [0, 0]);

  h.clock.advance(60_000);
  // The customer deletes the rep before the rep confirms: that one fails as "not a friend".
  h.em.removeRelationship('rep001', leaving);
  h.em.confirmMassTask(r.msgid, 'rep001');
  const done = await h.post(`${X}/get_groupmsg_task`, { msgid: r.msgid });
  t.deepEqual(done.task_list, [{ userid: 'rep001', status: 2, send_time: Math.floor(h.clock.now() / 1000) }]);
  const sent = await h.post(`${X}/get_groupmsg_send_result`, { msgid: r.msgid, userid: 'rep001' });
  t.deepEqual(
    sent.send_list.map((s: Json) => [s.external_userid, s.status]),
    [
      [friend, 1],
      [leaving, 2],
    ],
  );
});

test('the monthly receive cap puts over-cap customers in fail_list and marks late ones status 3', async (t) => {
  const { h } = await withGroups(t, { massReceiveCap: () => 1 });
  const c = h.em.addExternalUser().externalUserId;
  h.em.addRelationship('rep001', c);
  const send = () => h.post(`${X}/add_msg_template`, { sender: 'rep001', external_userid: [c], text: { content: 'hi' } });
  const first = await send();
  const second = await send();
  t.deepEqual(second.fail_list, [], 'not received yet when the second was created');
  h.em.confirmMassTask(first.msgid, 'rep001');
  h.em.confirmMassTask(second.msgid, 'rep001');
  const r2 = await h.post(`${X}/get_groupmsg_send_result`, { msgid: second.msgid, userid: 'rep001' });
  t.is(r2.send_list[0].status, 3);
  t.deepEqual((await send()).fail_list, [c]);
});

test('the default cap is the number of days in the month', async (t) => {
  const { h } = await withGroups(t);
  const c = h.em.addExternalUser().externalUserId;
  h.em.addRelationship('rep001', c);
  // ManualClock starts on 2026-01-01 (Shanghai): January has 31 days.
  for (let i = 0; i < 31; i++) {
    const r = await h.post(`${X}/add_msg_template`, { sender: 'rep001', external_userid: [c], text: { content: `m${i}` } });
    t.deepEqual(r.fail_list, []);
    h.em.confirmMassTask(r.msgid, 'rep001');
  }
  const over = await h.post(`${X}/add_msg_template`, { sender: 'rep001', external_userid: [c], text: { content: 'x' } });
  t.deepEqual(over.fail_list, [c]);
});

test('a mass message without external_userid goes to all of the sender\'s customers, filtered by tags', async (t) => {
  const { h } = await withGroups(t);
  const vip = h.em.addCorpTag('等级', 'VIP').tagId;
  const a = h.em.addExternalUser().externalUserId;
  const b = h.em.addExternalUser().externalUserId;
  h.em.addRelationship('rep001', a, { tagIds: [vip] });
  h.em.addRelationship('rep001', b);
  const all = await h.post(`${X}/add_msg_template`, { sender: 'rep001', text: { content: 'hi' } });
  t.is(h.em.massMessage(all.msgid)?.sends.length, 2);
  const tagged = await h.post(`${X}/add_msg_template`, { sender: 'rep001', tag_filter: { group_list: [{ tag_list: [vip] }] }, text: { content: 'hi' } });
  t.deepEqual(h.em.massMessage(tagged.msgid)?.sends.map((s) => s.target), [a]);
});

test('without a sender the customer\'s most recent follower carries the message', async (t) => {
  const { h } = await withGroups(t);
  const c = h.em.addExternalUser().externalUserId;
  h.em.addRelationship('rep001', c, { createtime: 100 });
  h.em.addRelationship('rep002', c, { createtime: 200 });
  const r = await h.post(`${X}/add_msg_template`, { external_userid: [c], text: { content: 'hi' } });
  t.deepEqual((await h.post(`${X}/get_groupmsg_task`, { msgid: r.msgid })).task_list, [{ userid: 'rep002', status: 0 }]);
});

test('a group mass message goes to the sender\'s own groups', async (t) => {
  const { h, a, b } = await withGroups(t);
  const r = await h.post(`${X}/add_msg_template`, { chat_type: 'group', sender: 'rep001', chat_id_list: [a, b], text: { content: '群发' } });
  t.deepEqual(r.fail_list, [b], 'not the sender\'s group');
  h.em.confirmMassTask(r.msgid, 'rep001');
  const res = await h.post(`${X}/get_groupmsg_send_result`, { msgid: r.msgid, userid: 'rep001' });
  t.deepEqual(res.send_list.map((s: Json) => [s.chat_id, s.status]), [[a, 1]]);
});

const massErrors: Array<[string, Json, number]> = [
  ['neither sender nor customers', { text: { content: 'x' } }, E.INVALID_PARAM],
  ['a group message without sender', { chat_type: 'group', text: { content: 'x' } }, E.INVALID_PARAM],
  ['an unknown chat_type', { chat_type: 'broadcast', sender: 'rep001', text: { content: 'x' } }, E.INVALID_PARAM],
  ['no content', { sender: 'rep001' }, E.NO_CONTENT],
  ['text over 4000 bytes', { sender: 'rep001', text: { content: 'a'.repeat(4001) } }, E.CONTENT_TOO_LONG],
  ['an unknown sender', { sender: 'ghost', text: { content: 'x' } }, E.INVALID_USERID],
  ['over 10,000 customers', { sender: 'rep001', external_userid: Array.from({ length: 10_001 }, (_, i) => `wm${i}`), text: { content: 'x' } }, E.INVALID_PARAM],
];
for (const [title, body, errcode] of massErrors) {
  test(`add_msg_template with ${title} answers ${errcode}`, async (t) => {
    const { h } = await withGroups(t);
    t.is((await h.post(`${X}/add_msg_template`, body)).errcode, errcode);
  });
}

test('get_groupmsg_list_v2 filters by type and time, lists API-made messages without a creator, refuses spans over a month and pages', async (t) => {
  const { h } = await withGroups(t);
  const c = h.em.addExternalUser().externalUserId;
  h.em.addRelationship('rep001', c);
  const start = Math.floor(h.clock.now() / 1000);
  const m1 = await h.post(`${X}/add_msg_template`, { sender: 'rep001', external_userid: [c], text: { content: 'one' } });
  h.clock.advance(3600_000);
  await h.post(`${X}/add_msg_template`, { sender: 'rep002', text: { content: 'two' } });
  const end = Math.floor(h.clock.now() / 1000);
  const list = await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: end });
  t.is(list.group_msg_list.length, 2);
  t.like(list.group_msg_list[0], { msgid: m1.msgid, create_type: 0, text: { content: 'one' }, create_time: start });
  t.false('creator' in list.group_msg_list[0], 'WeCom returns no creator for messages created through the API');
  const byCreator = await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: end, creator: 'rep002' });
  t.is(byCreator.group_msg_list.length, 0, 'a creator filter matches no API-created message');
  t.is((await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'group', start_time: start, end_time: end })).group_msg_list.length, 0);
  const paged = await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: end, limit: 1 });
  t.deepEqual(paged.group_msg_list.map((m: { msgid: string }) => m.msgid), [m1.msgid]);
  t.truthy(paged.next_cursor);
  const rest = await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: end, limit: 1, cursor: paged.next_cursor });
  t.is(rest.group_msg_list.length, 1);
  t.not(rest.group_msg_list[0].msgid, m1.msgid);
  t.is(rest.next_cursor, '');
  t.is((await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: start + 32 * 86400 })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start })).errcode, E.INVALID_PARAM);
  const overMax = await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: end, limit: 101 });
  t.is(overMax.errcode, 0, 'a limit over the maximum takes the default (doc 93338)');
  t.is(overMax.group_msg_list.length, 2);
  t.is((await h.post(`${X}/get_groupmsg_list_v2`, { chat_type: 'single', start_time: start, end_time: end, cursor: 'bm9wZQ' })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/get_groupmsg_task`, { msgid: 'msgNOPE' })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/get_groupmsg_send_result`, { msgid: m1.msgid, userid: 'rep001', limit: 1001 })).errcode, 0);
  t.is((await h.post(`${X}/get_groupmsg_send_result`, { msgid: m1.msgid, userid: 'rep001', limit: 0 })).errcode, E.INVALID_PARAM);
});

import test from 'ava';
import { WECOM_ERRCODE as E, WELCOME_CODE_INVALID } from '../../../src/sandbox/wecom/index.js';
import { addWay, startEmulator, startWithReceiver, type Harness, type Json } from './emulator-harness.js';

const X = '/cgi-bin/externalcontact';

async function withReps(t: Parameters<typeof startEmulator>[0]): Promise<Harness> {
  const h = await startEmulator(t);
  h.em.addEmployee('rep001', { name: '小王' });
  h.em.addEmployee('rep002');
  h.em.addEmployee('rep_off', { followEnabled: false });
  return h;
}

// ---------------------------------------------------------------- contact ways

const addWayErrors: Array<[string, Json, number]> = [
  ['type missing', { scene: 2, user: ['rep001'] }, E.MISSING_CONTACT_WAY_TYPE],
  ['type out of range', { type: 3, scene: 2, user: ['rep001'] }, E.INVALID_PARAM],
  ['scene missing', { type: 1, user: ['rep001'] }, E.INVALID_PARAM],
  ['scene out of range', { type: 1, scene: 3, user: ['rep001'] }, E.INVALID_PARAM],
  ['type 1 with two users', { type: 1, scene: 2, user: ['rep001', 'rep002'] }, E.INVALID_PARAM],
  ['type 1 without a user', { type: 1, scene: 2 }, E.INVALID_PARAM],
  ['type 1 with a party', { type: 1, scene: 2, user: ['rep001'], party: [3] }, E.INVALID_PARAM],
  ['type 2 with neither user nor party', { type: 2, scene: 2 }, E.INVALID_PARAM],
  ['state over 30 chars', { type: 1, scene: 2, user: ['rep001'], state: 's'.repeat(31) }, E.INVALID_PARAM],
  ['remark over 30 chars', { type: 1, scene: 2, user: ['rep001'], remark: '备'.repeat(31) }, E.INVALID_PARAM],
  ['style 3 on a multi-user way', { type: 2, scene: 1, style: 3, user: ['rep001'] }, E.INVALID_PARAM],
  ['an unknown user', { type: 2, scene: 2, user: ['rep001', 'ghost'] }, E.INVALID_USERID],
  ['a user without customer contact', { type: 1, scene: 2, user: ['rep_off'] }, E.NO_PRIVILEGE],
  ['temporary chat on a multi-user way', { type: 2, scene: 2, user: ['rep001'], is_temp: true }, E.INVALID_PARAM],
  ['temporary QR valid over 14 days', { type: 1, scene: 2, user: ['rep001'], is_temp: true, expires_in: 15 * 86400 }, E.INVALID_PARAM],
  ['user not an array', { type: 1, scene: 2, user: 'rep001' }, E.INVALID_PARAM],
];
for (const [title, body, errcode] of addWayErrors) {
  test(`add_contact_way with ${title} answers ${errcode}`, async (t) => {
    const h = await withReps(t);
    const r = await h.post(`${X}/add_contact_way`, body);
    t.is(r.errcode, errcode);
    t.is(r.config_id, undefined);
  });
}

test('add_contact_way accepts exactly 30 characters of state and remark', async (t) => {
  const h = await withReps(t);
  const r = await h.post(`${X}/add_contact_way`, { type: 1, scene: 2, user: ['rep001'], state: '渠'.repeat(30), remark: 'r'.repeat(30) });
  t.is(r.errcode, 0);
});

test('a contact way is created, read, overwritten, listed and deleted', async (t) => {
  const h = await withReps(t);
  const add = await h.post(`${X}/add_contact_way`, { type: 2, scene: 2, remark: 'A3 lobby poster', state: 'ch_A3_lobby', user: ['rep001', 'rep002'], party: [3] });
  t.is(add.errcode, 0);
  t.regex(add.config_id, /^[0-9a-f]{32}$/);
  t.regex(add.qr_code, /^https:\/\//);

  const got = await h.post(`${X}/get_contact_way`, { config_id: add.config_id });
  t.like(got.contact_way, {
    config_id: add.config_id,
    type: 2,
    scene: 2,
    remark: 'A3 lobby poster',
    skip_verify: true,
    state: 'ch_A3_lobby',
    qr_code: add.qr_code,
    user: ['rep001', 'rep002'],
    party: [3],
    is_temp: false,
  });

  // update overwrites the user list wholesale and keeps what it does not mention.
  t.is((await h.post(`${X}/update_contact_way`, { config_id: add.config_id, user: ['rep002'], skip_verify: false })).errcode, 0);
  const after = (await h.post(`${X}/get_contact_way`, { config_id: add.config_id })).contact_way;
  t.deepEqual(after.user, ['rep002']);
  t.false(after.skip_verify);
  t.is(after.state, 'ch_A3_lobby');
  t.is((await h.post(`${X}/update_contact_way`, { config_id: add.config_id, state: 'x'.repeat(31) })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/update_contact_way`, { config_id: add.config_id, user: ['ghost'] })).errcode, E.INVALID_USERID);

  t.is((await h.post(`${X}/del_contact_way`, { config_id: add.config_id })).errcode, 0);
  t.is((await h.post(`${X}/get_contact_way`, { config_id: add.config_id })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/del_contact_way`, { config_id: add.config_id })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/get_contact_way`, {})).errcode, E.INVALID_PARAM, 'config_id missing');
});

test('a mini-program contact way has no qr_code', async (t) => {
  const h = await withReps(t);
  const add = await h.post(`${X}/add_contact_way`, { type: 1, scene: 1, style: 3, user: ['rep001'] });
  t.is(add.errcode, 0);
  t.is(add.qr_code, undefined);
  t.is((await h.post(`${X}/get_contact_way`, { config_id: add.config_id })).contact_way.qr_code, undefined);
});

test('list_contact_way pages with an opaque cursor and filters by creation time', async (t) => {
  const h = await withReps(t);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push((await h.post(`${X}/add_contact_way`, { type: 1, scene: 2, user: ['rep001'] })).config_id);
    h.clock.advance(10_000);
  }
  const p1 = await h.post(`${X}/list_contact_way`, { limit: 2 });
  t.deepEqual(p1.contact_way.map((w: Json) => w.config_id), ids.slice(0, 2));
  t.truthy(p1.next_cursor);
  const p2 = await h.post(`${X}/list_contact_way`, { limit: 2, cursor: p1.next_cursor });
  t.deepEqual(p2.contact_way.map((w: Json) => w.config_id), ids.slice(2));
  t.is(p2.next_cursor, '');
  const start = Math.floor(h.clock.now() / 1000) - 15;
  const recent = await h.post(`${X}/list_contact_way`, { start_time: start });
  t.deepEqual(recent.contact_way.map((w: Json) => w.config_id), ids.slice(2));
  t.is((await h.post(`${X}/list_contact_way`, { cursor: 'garbage' })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/list_contact_way`, { limit: 1001 })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/list_contact_way`, { start_time: 100, end_time: 50 })).errcode, E.INVALID_PARAM);
});

// ---------------------------------------------------------------- customers

test('a scanned customer has a realistic id and a follow_user with state, add_way and operator', async (t) => {
  const h = await startWithReceiver(t);
  const tag = h.em.addCorpTag('来源渠道', 'A3大堂');
  const way = await addWay(h);
  const scan = await h.em.customerScans(way, { name: '李四', unionid: 'oUNION1' });
  t.regex(scan.externalUserId, /^wm[A-Za-z0-9]{30}$/);
  await h.post(`${X}/mark_tag`, { userid: scan.userid, external_userid: scan.externalUserId, add_tag: [tag.tagId] });
  const r = await h.get(`${X}/get`, { external_userid: scan.externalUserId });
  t.is(r.errcode, 0);
  t.like(r.external_contact, { external_userid: scan.externalUserId, name: '李四', type: 1, unionid: 'oUNION1' });
  t.is(r.follow_user.length, 1);
  t.like(r.follow_user[0], {
    userid: scan.userid,
    createtime: Math.floor(h.clock.now() / 1000),
    add_way: 1,
    oper_userid: scan.externalUserId,
    state: 'ch_A3_lobby',
    remark: '',
  });
  t.deepEqual(r.follow_user[0].tags, [{ group_name: '来源渠道', tag_name: 'A3大堂', tag_id: tag.tagId, type: 1 }]);
  t.is(r.next_cursor, '');
});

test('externalcontact/get: unknown id is 40096, a customer nobody follows is 84061', async (t) => {
  const h = await withReps(t);
  t.is((await h.get(`${X}/get`, { external_userid: 'wmNOBODY' })).errcode, E.INVALID_EXTERNAL_USERID);
  t.is((await h.get(`${X}/get`, {})).errcode, E.INVALID_EXTERNAL_USERID);
  const { externalUserId } = h.em.addExternalUser({ name: '孤儿' });
  t.is((await h.get(`${X}/get`, { external_userid: externalUserId })).errcode, E.NO_RELATIONSHIP);
});

test('a WeCom user of another corp has a wo id, corp name and no unionid', async (t) => {
  const h = await withReps(t);
  const { externalUserId } = h.em.addExternalUser({ type: 2, unionid: 'oIGNORED' });
  t.regex(externalUserId, /^wo[A-Za-z0-9]{30}$/);
  h.em.addRelationship('rep001', externalUserId);
  const r = await h.get(`${X}/get`, { external_userid: externalUserId });
  t.is(r.external_contact.type, 2);
  t.is(r.external_contact.unionid, undefined);
  t.truthy(r.external_contact.corp_name);
});

test('externalcontact/get pages follow_user after 500 employees', async (t) => {
  const h = await startEmulator(t);
  const { externalUserId } = h.em.addExternalUser();
  for (let i = 0; i < 501; i++) {
    h.em.addEmployee(`rep${i}`);
    h.em.addRelationship(`rep${i}`, externalUserId);
  }
  const p1 = await h.get(`${X}/get`, { external_userid: externalUserId });
  t.is(p1.follow_user.length, 500);
  t.truthy(p1.next_cursor);
  const p2 = await h.get(`${X}/get`, { external_userid: externalUserId, cursor: p1.next_cursor });
  t.is(p2.follow_user.length, 1);
  t.is(p2.next_cursor, '');
});

test('batch/get_by_user lists follow_info with corp tag ids and pages by limit', async (t) => {
  const h = await withReps(t);
  const tag = h.em.addCorpTag('楼栋', '3号楼');
  const ids = [0, 1, 2].map(() => h.em.addExternalUser().externalUserId);
  for (const id of ids) h.em.addRelationship('rep001', id, { state: 'ch_x', addWay: 1 });
  h.em.addRelationship('rep002', ids[0]!, { tagIds: [tag.tagId] });
  const p1 = await h.post(`${X}/batch/get_by_user`, { userid_list: ['rep001', 'rep002'], limit: 3 });
  t.is(p1.errcode, 0);
  t.is(p1.external_contact_list.length, 3);
  t.like(p1.external_contact_list[0].follow_info, { userid: 'rep001', state: 'ch_x', add_way: 1, tag_id: [] });
  const p2 = await h.post(`${X}/batch/get_by_user`, { userid_list: ['rep001', 'rep002'], limit: 3, cursor: p1.next_cursor });
  t.is(p2.external_contact_list.length, 1);
  t.deepEqual(p2.external_contact_list[0].follow_info.tag_id, [tag.tagId]);
  t.is(p2.next_cursor, '');

  const many = Array.from({ length: 101 }, (_, i) => `u${i}`);
  t.is((await h.post(`${X}/batch/get_by_user`, { userid_list: many })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/batch/get_by_user`, { userid_list: ['rep001'], limit: 101 })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/batch/get_by_user`, { userid_list: ['ghost'] })).errcode, E.INVALID_USERID);
  t.is((await h.post(`${X}/batch/get_by_user`, {})).errcode, E.INVALID_PARAM);
});

test('externalcontact/list and get_follow_user_list', async (t) => {
  const h = await withReps(t);
  const { externalUserId } = h.em.addExternalUser();
  h.em.addRelationship('rep001', externalUserId);
  t.deepEqual((await h.get(`${X}/list`, { userid: 'rep001' })).external_userid, [externalUserId]);
  t.is((await h.get(`${X}/list`, { userid: 'rep002' })).errcode, E.NO_RELATIONSHIP);
  t.is((await h.get(`${X}/list`, { userid: 'ghost' })).errcode, E.INVALID_USERID);
  t.deepEqual((await h.get(`${X}/get_follow_user_list`)).follow_user, ['rep001', 'rep002']);
});

// ---------------------------------------------------------------- mark_tag

test('mark_tag adds and removes corp tags on the relationship, with no callback', async (t) => {
  const h = await startWithReceiver(t);
  const a = h.em.addCorpTag('楼栋', '1号楼');
  const b = h.em.addCorpTag('楼栋', '2号楼');
  const scan = await h.em.customerScans(await addWay(h));
  const deliveries = h.rx.received.length;
  const mark = (body: Json) => h.post(`${X}/mark_tag`, { userid: scan.userid, external_userid: scan.externalUserId, ...body });
  t.is((await mark({ add_tag: [a.tagId, b.tagId] })).errcode, 0);
  t.is((await mark({ remove_tag: [a.tagId] })).errcode, 0);
  t.deepEqual(h.em.relationship(scan.userid, scan.externalUserId)?.tags, [{ id: b.tagId, name: '2号楼', groupId: b.groupId, groupName: '楼栋' }]);
  t.is(h.rx.received.length, deliveries, 'API changes never come back as callbacks');
  t.is(h.em.deliveries.length, 1);
});

const markTagErrors: Array<[string, (ids: { user: string; ext: string; tag: string; other: string }) => Json, number]> = [
  ['no relationship', (i) => ({ userid: i.other, external_userid: i.ext, add_tag: [i.tag] }), E.NO_RELATIONSHIP],
  ['an unknown tag', (i) => ({ userid: i.user, external_userid: i.ext, add_tag: ['etNOPE'] }), E.INVALID_TAG_ID],
  ['an unknown tag to remove', (i) => ({ userid: i.user, external_userid: i.ext, remove_tag: ['etNOPE'] }), E.INVALID_TAG_ID],
  ['both lists empty', (i) => ({ userid: i.user, external_userid: i.ext }), E.INVALID_PARAM],
  ['an unknown customer', (i) => ({ userid: i.user, external_userid: 'wmNOPE', add_tag: [i.tag] }), E.INVALID_EXTERNAL_USERID],
  ['an unknown employee', (i) => ({ userid: 'ghost', external_userid: i.ext, add_tag: [i.tag] }), E.INVALID_USERID],
];
for (const [title, body, errcode] of markTagErrors) {
  test(`mark_tag with ${title} answers ${errcode}`, async (t) => {
    const h = await withReps(t);
    const { externalUserId } = h.em.addExternalUser();
    h.em.addRelationship('rep001', externalUserId);
    const { tagId } = h.em.addCorpTag('g', 't');
    const r = await h.post(`${X}/mark_tag`, body({ user: 'rep001', ext: externalUserId, tag: tagId, other: 'rep002' }));
    t.is(r.errcode, errcode);
    t.deepEqual(h.em.relationship('rep001', externalUserId)?.tagIds, []);
  });
}

// ---------------------------------------------------------------- send_welcome_msg

async function welcomeSetup(t: Parameters<typeof startEmulator>[0]) {
  const h = await withReps(t);
  const { externalUserId } = h.em.addExternalUser();
  h.em.addRelationship('rep001', externalUserId);
  const code = h.em.issueWelcomeCode('rep001', externalUserId);
  const send = (body: Json = { text: { content: '你好' } }) => h.post(`${X}/send_welcome_msg`, { welcome_code: code, ...body });
  return { h, externalUserId, code, send };
}

test('a welcome is delivered once inside the 20 s window; the second call is 41051', async (t) => {
  const { h, externalUserId, code, send } = await welcomeSetup(t);
  h.clock.advance(19_999);
  t.is((await send()).errcode, 0);
  t.is((await send()).errcode, E.WELCOME_ALREADY_SENT);
  t.is(h.em.welcomes.length, 1);
  t.like(h.em.welcomes[0], { code, userid: 'rep001', externalUserId, text: '你好', attachments: [], at: h.clock.now() - 0 });
  t.is(h.em.relationship('rep001', externalUserId)?.welcomedAt, h.clock.now());
  t.truthy(h.em.welcomeCode(code)?.usedAt);
});

test(`a welcome at 20 s or with an unknown code answers WELCOME_CODE_INVALID (${WELCOME_CODE_INVALID})`, async (t) => {
  const { h, send } = await welcomeSetup(t);
  h.clock.advance(20_000);
  t.is((await send()).errcode, WELCOME_CODE_INVALID);
  t.is((await h.post(`${X}/send_welcome_msg`, { welcome_code: 'NOPE', text: { content: 'x' } })).errcode, WELCOME_CODE_INVALID);
  t.is((await h.post(`${X}/send_welcome_msg`, { text: { content: 'x' } })).errcode, WELCOME_CODE_INVALID);
  t.is(h.em.welcomes.length, 0);
});

test('a faulted welcome call does not consume the code', async (t) => {
  const { h, send } = await welcomeSetup(t);
  h.em.injectFault(`${X}/send_welcome_msg`, { errcode: E.WELCOME_IN_PROGRESS });
  t.is((await send()).errcode, E.WELCOME_IN_PROGRESS);
  t.is((await send()).errcode, 0);
});

const pad = (bytes: number) => 'a'.repeat(bytes);
const welcomeBodies: Array<[string, Json, number]> = [
  ['nothing to send', {}, E.NO_CONTENT],
  ['empty text and no attachments', { text: { content: '' } }, E.NO_CONTENT],
  ['text over 4000 bytes', { text: { content: '字'.repeat(1334) } }, E.CONTENT_TOO_LONG],
  ['ten attachments', { attachments: Array.from({ length: 10 }, () => ({ msgtype: 'link', link: { title: 't', url: 'https://x.test' } })) }, E.INVALID_PARAM],
  ['an unknown attachment type', { attachments: [{ msgtype: 'voice', voice: { media_id: 'x' } }] }, E.INVALID_MSGTYPE],
  ['an attachment without msgtype', { attachments: [{ link: { title: 't', url: 'https://x.test' } }] }, E.INVALID_MSGTYPE],
  ['a link without url', { attachments: [{ msgtype: 'link', link: { title: 't' } }] }, E.MISSING_URL],
  ['a link without title', { attachments: [{ msgtype: 'link', link: { url: 'https://x.test' } }] }, E.MISSING_TITLE],
  ['a link title over 128 bytes', { attachments: [{ msgtype: 'link', link: { title: pad(129), url: 'https://x.test' } }] }, E.INVALID_PARAM],
  ['an image with an unknown media_id', { attachments: [{ msgtype: 'image', image: { media_id: 'nope' } }] }, E.INVALID_MEDIA_ID],
  ['an image with neither media_id nor pic_url', { attachments: [{ msgtype: 'image', image: {} }] }, E.INVALID_MEDIA_ID],
  ['a mini-program without appid', { attachments: [{ msgtype: 'miniprogram', miniprogram: { title: 't', pic_media_id: 'x', page: 'p' } }] }, E.INVALID_MEDIA_ID],
  ['a video without media_id', { attachments: [{ msgtype: 'video', video: {} }] }, E.INVALID_MEDIA_ID],
  ['a payload missing', { attachments: [{ msgtype: 'link' }] }, E.INVALID_PARAM],
];
for (const [title, body, errcode] of welcomeBodies) {
  test(`a welcome with ${title} answers ${errcode} and keeps the code usable`, async (t) => {
    const { h, send } = await welcomeSetup(t);
    t.is((await send(body)).errcode, errcode);
    t.is((await send()).errcode, 0, 'the code was not consumed by the rejected body');
    t.is(h.em.welcomes.length, 1);
  });
}

test('a welcome of exactly 4000 bytes with nine attachments is accepted', async (t) => {
  const { h, send } = await welcomeSetup(t);
  const attachments = Array.from({ length: 9 }, () => ({ msgtype: 'link', link: { title: 't', url: 'https://x.test' } }));
  t.is((await send({ text: { content: pad(4000) }, attachments })).errcode, 0);
  t.is(h.em.welcomes[0]?.attachments.length, 9);
});

test('uploaded media can be attached for three days of emulator time', async (t) => {
  const { h, externalUserId } = await welcomeSetup(t);
  const form = new FormData();
  form.append('media', new Blob([Buffer.alloc(64, 1)], { type: 'image/png' }), 'cover.png');
  const token = await h.gettoken();
  const up = (await (await fetch(`${h.base}/cgi-bin/media/upload?access_token=${token}&type=image`, { method: 'POST', body: form })).json()) as Json;
  t.is(up.errcode, 0);
  // A fresh code each time: the 20 s welcome window is far shorter than the media lifetime.
  const sendWith = (media: string) =>
    h.post(`${X}/send_welcome_msg`, {
      welcome_code: h.em.issueWelcomeCode('rep001', externalUserId),
      attachments: [{ msgtype: 'miniprogram', miniprogram: { title: '领券', pic_media_id: media, appid: 'wx1234567890abcdef', page: 'pages/index' } }],
    });
  h.clock.advance(3 * 86400_000 - 1);
  t.is((await sendWith(up.media_id)).errcode, 0);
  h.clock.advance(1);
  t.is((await sendWith(up.media_id)).errcode, E.INVALID_MEDIA_ID, 'expired after 3 days');
});

// ---------------------------------------------------------------- corp tags

test('add_corp_tag creates a group with et-prefixed ids and appends to an existing group name', async (t) => {
  const h = await withReps(t);
  const r = await h.post(`${X}/add_corp_tag`, { group_name: '来源渠道', order: 1, tag: [{ name: 'A3大堂' }, { name: 'B1门店', order: 5 }] });
  t.is(r.errcode, 0);
  t.regex(r.tag_group.group_id, /^et[A-Za-z0-9]{30}$/);
  t.like(r.tag_group, { group_name: '来源渠道', order: 1, create_time: Math.floor(h.clock.now() / 1000) });
  t.deepEqual(r.tag_group.tag.map((x: Json) => x.name), ['B1门店', 'A3大堂'], 'larger order first');
  for (const tag of r.tag_group.tag) t.regex(tag.id, /^et/);

  const more = await h.post(`${X}/add_corp_tag`, { group_name: '来源渠道', tag: [{ name: 'C2' }] });
  t.is(more.tag_group.group_id, r.tag_group.group_id, 'same group');
  t.deepEqual(more.tag_group.tag.map((x: Json) => x.name), ['C2'], 'only the new tags are returned');
  const byId = await h.post(`${X}/add_corp_tag`, { group_id: r.tag_group.group_id, group_name: 'ignored', tag: [{ name: 'D' }] });
  t.is(byId.tag_group.group_name, '来源渠道');
  t.is(h.em.corpTags()[0]?.tags.length, 4);
});

const addTagErrors: Array<[string, Json, number]> = [
  ['a tag name over 30 chars', { group_name: 'g', tag: [{ name: '标'.repeat(31) }] }, E.INVALID_TAG_NAME],
  ['an empty tag name', { group_name: 'g', tag: [{ name: '' }] }, E.INVALID_TAG_NAME],
  ['a group name over 30 chars', { group_name: 'g'.repeat(31), tag: [{ name: 't' }] }, E.INVALID_TAG_NAME],
  ['neither group_id nor group_name', { tag: [{ name: 't' }] }, E.INVALID_TAG_NAME],
  ['no tags', { group_name: 'g', tag: [] }, E.INVALID_PARAM],
  ['an unknown group_id', { group_id: 'etNOPE', tag: [{ name: 't' }] }, E.INVALID_TAG_ID],
  ['a name twice in one request', { group_name: 'g', tag: [{ name: 't' }, { name: 't' }] }, E.TAG_NAME_EXISTS],
  ['a name already in the group', { group_name: '楼栋', tag: [{ name: '1号楼' }] }, E.TAG_NAME_EXISTS],
  ['a negative order', { group_name: 'g', tag: [{ name: 't', order: -1 }] }, E.INVALID_PARAM],
];
for (const [title, body, errcode] of addTagErrors) {
  test(`add_corp_tag with ${title} answers ${errcode}`, async (t) => {
    const h = await withReps(t);
    h.em.addCorpTag('楼栋', '1号楼');
    t.is((await h.post(`${X}/add_corp_tag`, body)).errcode, errcode);
    t.is(h.em.corpTags().length, 1, 'nothing created');
  });
}

test('the corp tag library is capped at 3000 tags', async (t) => {
  const h = await withReps(t);
  for (let i = 0; i < 2999; i++) h.em.addCorpTag(`g${i % 10}`, `t${i}`);
  t.is((await h.post(`${X}/add_corp_tag`, { group_name: 'new', tag: [{ name: 'a' }, { name: 'b' }] })).errcode, E.INVALID_PARAM);
  t.is((await h.post(`${X}/add_corp_tag`, { group_name: 'new', tag: [{ name: 'a' }] })).errcode, 0);
});

test('get_corp_tag_list: no filter lists live tags, group_id wins over tag_id, id queries show deleted', async (t) => {
  const h = await withReps(t);
  const g1 = (await h.post(`${X}/add_corp_tag`, { group_name: '楼栋', order: 1, tag: [{ name: '1号楼' }, { name: '2号楼' }] })).tag_group;
  const g2 = (await h.post(`${X}/add_corp_tag`, { group_name: '海报', order: 9, tag: [{ name: '春季' }] })).tag_group;
  const [t1, t2] = g1.tag as Json[];

  const all = await h.post(`${X}/get_corp_tag_list`, {});
  t.deepEqual(all.tag_group.map((g: Json) => g.group_name), ['海报', '楼栋'], 'larger order first');
  t.is(all.tag_group[0].deleted, undefined, 'no deleted flag on a full listing');

  const byTag = await h.post(`${X}/get_corp_tag_list`, { tag_id: [t1!.id] });
  t.is(byTag.tag_group.length, 1);
  t.deepEqual(byTag.tag_group[0].tag.map((x: Json) => x.id), [t1!.id]);
  t.false(byTag.tag_group[0].tag[0].deleted);

  const both = await h.post(`${X}/get_corp_tag_list`, { tag_id: [t1!.id], group_id: [g2.group_id] });
  t.deepEqual(both.tag_group.map((g: Json) => g.group_id), [g2.group_id], 'group_id wins');

  t.is((await h.post(`${X}/del_corp_tag`, { tag_id: [t2!.id] })).errcode, 0);
  const deleted = await h.post(`${X}/get_corp_tag_list`, { tag_id: [t2!.id] });
  t.true(deleted.tag_group[0].tag[0].deleted);
  const live = await h.post(`${X}/get_corp_tag_list`, {});
  t.deepEqual(live.tag_group[1].tag.map((x: Json) => x.name), ['1号楼']);
});

test('edit_corp_tag renames and reorders tags and groups, refusing duplicates', async (t) => {
  const h = await withReps(t);
  const g = (await h.post(`${X}/add_corp_tag`, { group_name: '楼栋', tag: [{ name: '1号楼' }, { name: '2号楼' }] })).tag_group;
  const [a, b] = g.tag as Json[];
  t.is((await h.post(`${X}/edit_corp_tag`, { id: a!.id, name: '一号楼', order: 7 })).errcode, 0);
  t.is((await h.post(`${X}/edit_corp_tag`, { id: g.group_id, name: '楼宇' })).errcode, 0);
  t.is((await h.post(`${X}/edit_corp_tag`, { id: b!.id, name: '一号楼' })).errcode, E.TAG_NAME_EXISTS);
  t.is((await h.post(`${X}/edit_corp_tag`, { id: b!.id, name: 'x'.repeat(31) })).errcode, E.INVALID_TAG_NAME);
  t.is((await h.post(`${X}/edit_corp_tag`, { id: 'etNOPE', name: 'x' })).errcode, E.INVALID_TAG_ID);
  t.is((await h.post(`${X}/edit_corp_tag`, { name: 'x' })).errcode, E.INVALID_TAG_ID);
  const [view] = h.em.corpTags();
  t.is(view?.groupName, '楼宇');
  t.deepEqual(view?.tags.map((x) => [x.name, x.order]), [['一号楼', 7], ['2号楼', 0]]);
});

test('del_corp_tag removes tags from customers, drops empty groups, and validates every id first', async (t) => {
  const h = await withReps(t);
  const g = (await h.post(`${X}/add_corp_tag`, { group_name: '楼栋', tag: [{ name: '1号楼' }, { name: '2号楼' }] })).tag_group;
  const [a, b] = (g.tag as Json[]).map((x) => x.id as string);
  const { externalUserId } = h.em.addExternalUser();
  h.em.addRelationship('rep001', externalUserId, { tagIds: [a!, b!] });
  t.is((await h.post(`${X}/del_corp_tag`, { tag_id: [a, 'etNOPE'] })).errcode, E.INVALID_TAG_ID);
  t.is(h.em.corpTags()[0]?.tags.length, 2, 'a bad id deletes nothing');
  t.is((await h.post(`${X}/del_corp_tag`, {})).errcode, E.INVALID_TAG_ID);
  t.is((await h.post(`${X}/del_corp_tag`, { tag_id: [a] })).errcode, 0);
  t.deepEqual(h.em.relationship('rep001', externalUserId)?.tagIds, [b]);
  t.is((await h.post(`${X}/del_corp_tag`, { tag_id: [b] })).errcode, 0);
  t.deepEqual(h.em.corpTags(), [], 'a group without live tags is gone');
  t.is((await h.post(`${X}/del_corp_tag`, { group_id: [g.group_id] })).errcode, E.INVALID_TAG_ID);
});

test('an app may not edit or delete tags made in the admin console or by another app', async (t) => {
  const h = await withReps(t);
  const admin = h.em.addCorpTag('楼栋', '1号楼');
  t.is((await h.post(`${X}/edit_corp_tag`, { id: admin.tagId, name: 'x' })).errcode, E.NO_TAG_PRIVILEGE);
  t.is((await h.post(`${X}/del_corp_tag`, { group_id: [admin.groupId] })).errcode, E.NO_TAG_PRIVILEGE);
  const own = (await h.post(`${X}/add_corp_tag`, { group_name: 'mine', tag: [{ name: 't' }] })).tag_group;
  const other = await h.gettoken('agent-secret-0002');
  t.is((await h.post(`${X}/del_corp_tag`, { group_id: [own.group_id] }, { token: other })).errcode, E.NO_TAG_PRIVILEGE);
  t.is((await h.post(`${X}/del_corp_tag`, { group_id: [own.group_id] })).errcode, 0);
});

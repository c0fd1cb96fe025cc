import test from 'ava';
import { APP_MSG_PER_MEMBER, WECOM_ERRCODE as E } from '../../../src/sandbox/wecom/index.js';
import { AGENT_ID, AGENT_SECRET, startEmulator, type Harness, type Json } from './emulator-harness.js';

const SEND = '/cgi-bin/message/send';

async function withStaff(t: Parameters<typeof startEmulator>[0]): Promise<Harness & { token: string }> {
  const h = await startEmulator(t);
  h.em.addEmployee('rep001');
  h.em.addEmployee('rep002');
  return { ...h, token: await h.gettoken(AGENT_SECRET) };
}

const text = (touser: string, content = '今日待跟进 5 人', extra: Json = {}) => ({ touser, msgtype: 'text', agentid: AGENT_ID, text: { content }, ...extra });

test('message/send delivers to valid users and lists the invalid ones lower-cased', async (t) => {
  const h = await withStaff(t);
  const r = await h.post(SEND, text('rep001|Ghost|rep002', 'hi', { toparty: '3', totag: '7' }), { token: h.token });
  t.is(r.errcode, 0);
  t.is(r.invaliduser, 'ghost');
  t.is(r.invalidparty, '3');
  t.is(r.invalidtag, '7');
  t.truthy(r.msgid);
  t.deepEqual(
    h.em.appMessages.map((m) => [m.userid, m.msgtype, m.payload, m.agentid]),
    [
      ['rep001', 'text', { content: 'hi' }, AGENT_ID],
      ['rep002', 'text', { content: 'hi' }, AGENT_ID],
    ],
  );
});

test('message/send to @all reaches every employee', async (t) => {
  const h = await withStaff(t);
  t.is((await h.post(SEND, text('@all'), { token: h.token })).errcode, 0);
  t.is(h.em.appMessages.length, 2);
});

const sendErrors: Array<[string, Json, number]> = [
  ['all recipients invalid', text('ghost|nobody'), E.ALL_RECIPIENTS_INVALID],
  ['no recipients', text(''), E.ALL_RECIPIENTS_INVALID],
  ['an unknown agentid', { ...text('rep001'), agentid: 42 }, E.INVALID_AGENTID],
  ['agentid missing', { ...text('rep001'), agentid: undefined }, E.MISSING_AGENTID],
  ['an unknown msgtype', { touser: 'rep001', msgtype: 'hologram', agentid: AGENT_ID, hologram: {} }, E.INVALID_MSGTYPE],
  ['empty text', text('rep001', ''), E.EMPTY_TEXT],
  ['a payload missing', { touser: 'rep001', msgtype: 'text', agentid: AGENT_ID }, E.INVALID_PARAM],
  ['a textcard without url', { touser: 'rep001', msgtype: 'textcard', agentid: AGENT_ID, textcard: { title: 't', description: 'd' } }, E.MISSING_URL],
  ['a textcard without title', { touser: 'rep001', msgtype: 'textcard', agentid: AGENT_ID, textcard: { description: 'd', url: 'https://x.test' } }, E.MISSING_TITLE],
  ['a textcard without description', { touser: 'rep001', msgtype: 'textcard', agentid: AGENT_ID, textcard: { title: 't', url: 'https://x.test' } }, E.MISSING_DESCRIPTION],
  ['a textcard url without scheme', { touser: 'rep001', msgtype: 'textcard', agentid: AGENT_ID, textcard: { title: 't', description: 'd', url: 'x.test' } }, E.INVALID_URL],
  ['an image with an unknown media_id', { touser: 'rep001', msgtype: 'image', agentid: AGENT_ID, image: { media_id: 'nope' } }, E.INVALID_MEDIA_ID],
  ['over 1000 users', text(Array.from({ length: 1001 }, (_, i) => `u${i}`).join('|')), E.INVALID_PARAM],
];
for (const [title, body, errcode] of sendErrors) {
  test(`message/send with ${title} answers ${errcode}`, async (t) => {
    const h = await withStaff(t);
    t.is((await h.post(SEND, body, { token: h.token })).errcode, errcode);
    t.is(h.em.appMessages.length, 0);
  });
}

test('over-long text, textcard and markdown fields are truncated on UTF-8 boundaries, not refused', async (t) => {
  const h = await withStaff(t);
  t.is((await h.post(SEND, text('rep001', '字'.repeat(700)), { token: h.token })).errcode, 0);
  const card = { touser: 'rep001', msgtype: 'textcard', agentid: AGENT_ID, textcard: { title: '标'.repeat(50), description: 'd'.repeat(600), url: 'https://x.test', btntxt: '查看详情名单' } };
  t.is((await h.post(SEND, card, { token: h.token })).errcode, 0);
  const [m1, m2] = h.em.appMessages;
  t.is((m1!.payload as Json).content, '字'.repeat(682), '2048 bytes is 682 three-byte characters');
  t.like(m2!.payload as Json, { title: '标'.repeat(42), description: 'd'.repeat(512), btntxt: '查看详情' });
});

test(`a member gets at most ${APP_MSG_PER_MEMBER.perMinute} messages a minute; the rest are dropped silently`, async (t) => {
  const h = await withStaff(t);
  for (let i = 0; i < APP_MSG_PER_MEMBER.perMinute + 2; i++) {
    const r = await h.post(SEND, text('rep001|rep002', `m${i}`), { token: h.token });
    t.is(r.errcode, 0, 'the call still succeeds');
    t.is(r.invaliduser, '');
  }
  t.is(h.em.appMessages.filter((m) => m.userid === 'rep001').length, 30);
  t.is(h.em.droppedAppMessages.filter((m) => m.userid === 'rep001').length, 2);
  h.clock.advance(60_000);
  await h.post(SEND, text('rep001', 'later'), { token: h.token });
  t.is(h.em.appMessages.at(-1)?.userid, 'rep001', 'the window slides with the injected clock');
  t.is((h.em.appMessages.at(-1)?.payload as Json).content, 'later');
});

test('enable_duplicate_check drops the same content inside the interval', async (t) => {
  const h = await withStaff(t);
  const dup = { enable_duplicate_check: 1, duplicate_check_interval: 600 };
  await h.post(SEND, text('rep001', 'same', dup), { token: h.token });
  await h.post(SEND, text('rep001', 'same', dup), { token: h.token });
  await h.post(SEND, text('rep001', 'other', dup), { token: h.token });
  t.deepEqual(h.em.appMessages.map((m) => (m.payload as Json).content), ['same', 'other']);
  h.clock.advance(600_000);
  await h.post(SEND, text('rep001', 'same', dup), { token: h.token });
  t.is(h.em.appMessages.length, 3);
  await h.post(SEND, text('rep001', 'same'), { token: h.token });
  t.is(h.em.appMessages.length, 4, 'without the flag duplicates are delivered');
});

// ---------------------------------------------------------------- media/upload

async function upload(h: Harness, type: string, bytes: number | null, field = 'media') {
  const form = new FormData();
  if (bytes !== null) form.append(field, new Blob([Buffer.alloc(bytes, 7)]), 'f.bin');
  else form.append('other', 'x');
  const token = await h.gettoken();
  const res = await fetch(`${h.base}/cgi-bin/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form });
  return (await res.json()) as Json;
}

test('media/upload takes a multipart media part and answers type, media_id and created_at', async (t) => {
  const h = await withStaff(t);
  const r = await upload(h, 'file', 1024);
  t.is(r.errcode, 0);
  t.is(r.type, 'file');
  t.regex(r.media_id, /^[A-Za-z0-9]{20,}$/);
  t.is(r.created_at, String(Math.floor(h.clock.now() / 1000)));
  t.like(h.em.media(r.media_id), { type: 'file', size: 1024, filename: 'f.bin' });
  const logged = h.em.callsTo('/cgi-bin/media/upload')[0]?.body as Json;
  t.true(logged.bytes > 1024, 'uploads are logged by size, not content');
});

const uploadErrors: Array<[string, string, number | null, number]> = [
  ['an unknown type', 'gif', 100, E.INVALID_MEDIA_TYPE],
  ['no media part', 'image', null, E.EMPTY_MEDIA],
  ['an image under 5 bytes', 'image', 4, E.INVALID_IMAGE_SIZE],
  ['an image over 10 MB', 'image', 10 * 1024 * 1024 + 1, E.INVALID_IMAGE_SIZE],
  ['a voice over 2 MB', 'voice', 2 * 1024 * 1024 + 1, E.INVALID_FILE_SIZE],
];
for (const [title, type, bytes, errcode] of uploadErrors) {
  test(`media/upload with ${title} answers ${errcode}`, async (t) => {
    const h = await withStaff(t);
    t.is((await upload(h, type, bytes)).errcode, errcode);
  });
}

test('an uploaded image can be sent as an app message until it expires', async (t) => {
  const h = await withStaff(t);
  const { media_id } = await upload(h, 'image', 100);
  const img = { touser: 'rep001', msgtype: 'image', agentid: AGENT_ID, image: { media_id } };
  t.is((await h.post(SEND, img, { token: h.token })).errcode, 0);
  t.is((await h.post(SEND, { ...img, msgtype: 'file', file: { media_id } }, { token: h.token })).errcode, E.INVALID_MEDIA_ID, 'an image id is not a file id');
  h.clock.advance(3 * 86400_000);
  t.is((await h.post(SEND, img, { token: await h.gettoken(AGENT_SECRET) })).errcode, E.INVALID_MEDIA_ID);
});

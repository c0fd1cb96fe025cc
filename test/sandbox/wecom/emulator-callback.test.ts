import test from 'ava';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { ManualClock } from '../../../src/shared/clock.js';
import { WecomEmulator, WELCOME_WINDOW_MS } from '../../../src/sandbox/wecom/index.js';
import { AGENT_ID, CB, CONTACT_SECRET, CORP, addWay, startReceiver, startWithReceiver, type Json } from './emulator-harness.js';

const X = '/cgi-bin/externalcontact';

// ---------------------------------------------------------------- URL verification

test('verifyUrl sends a signed encrypted echo and passes when the body is the echo exactly', async (t) => {
  const h = await startWithReceiver(t);
  const r = await h.em.verifyUrl();
  t.true(r.ok);
  t.is(r.status, 200);
  const [got] = h.rx.received;
  t.is(got?.method, 'GET');
  t.true(got?.signatureOk);
  t.regex(got!.plaintext, /^\d+$/);
  t.is(r.body, got!.plaintext);
  t.is(got?.query.timestamp, String(Math.floor(h.clock.now() / 1000)), 'timestamp from the injected clock');
});

const verifyFailures: Array<[string, (echo: string) => { status?: number; body?: string; delayMs?: number }]> = [
  ['a trailing newline', (echo) => ({ body: `${echo}\n` })],
  ['quotes', (echo) => ({ body: JSON.stringify(echo) })],
  ['a non-200 status', (echo) => ({ status: 500, body: echo })],
  ['an answer after 1 s', (echo) => ({ body: echo, delayMs: 1100 })],
];
for (const [title, reply] of verifyFailures) {
  test(`verifyUrl fails on ${title}`, async (t) => {
    const h = await startWithReceiver(t, (_n, r) => reply(r.plaintext));
    const r = await h.em.verifyUrl();
    t.false(r.ok);
  });
}

// ---------------------------------------------------------------- customer scans

test('customerScans pushes a signed add_external_contact envelope and creates the relationship', async (t) => {
  const h = await startWithReceiver(t);
  const way = await addWay(h);
  h.clock.advance(5000);
  const scan = await h.em.customerScans(way, { name: '李四' });
  t.true(scan.delivered);
  t.deepEqual(scan.attempts.map((a) => a.status), [200]);
  const [got] = h.rx.received;
  t.is(got?.method, 'POST');
  t.true(got?.signatureOk, 'msg_signature verifies with the Token');
  t.deepEqual(Object.keys(got!.query).sort(), ['msg_signature', 'nonce', 'timestamp']);
  t.deepEqual(Object.keys(got!.envelope!), ['ToUserName', 'AgentID', 'Encrypt']);
  t.is(got?.envelope?.ToUserName, CORP);
  t.is(got?.envelope?.AgentID, String(AGENT_ID));
  const nowSec = String(Math.floor(h.clock.now() / 1000));
  t.deepEqual({ ...got!.event }, {
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: nowSec,
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'add_external_contact',
    UserID: scan.userid,
    ExternalUserID: scan.externalUserId,
    State: 'ch_A3_lobby',
    WelcomeCode: scan.welcomeCode!,
  });
  t.is(got?.plaintext, scan.plaintext);
  t.like(h.em.relationship(scan.userid, scan.externalUserId), {
    addWay: 1,
    state: 'ch_A3_lobby',
    operUserid: scan.externalUserId,
    createtime: Number(nowSec),
  });
  t.like(h.em.welcomeCode(scan.welcomeCode!), { issuedAt: h.clock.now(), userid: scan.userid });
  t.is(h.em.deliveries.length, 1);
});

test('the WelcomeCode from a scan works for 20 s of emulator time', async (t) => {
  const h = await startWithReceiver(t);
  const way = await addWay(h);
  const first = await h.em.customerScans(way);
  const second = await h.em.customerScans(way);
  h.clock.advance(WELCOME_WINDOW_MS);
  t.is((await h.post(`${X}/send_welcome_msg`, { welcome_code: first.welcomeCode, text: { content: 'x' } })).errcode, 40029);
  h.clock.advance(-1);
  t.is((await h.post(`${X}/send_welcome_msg`, { welcome_code: second.welcomeCode, text: { content: 'x' } })).errcode, 0);
});

test('scans go round-robin over the way\'s users and the same customer may add two reps', async (t) => {
  const h = await startWithReceiver(t);
  const way = await addWay(h);
  const a = await h.em.customerScans(way, { name: '周九' });
  const b = await h.em.customerScans(way, { externalUserId: a.externalUserId });
  const c = await h.em.customerScans(way);
  t.deepEqual([a.userid, b.userid, c.userid], ['rep001', 'rep002', 'rep001']);
  t.is(b.externalUserId, a.externalUserId);
  t.is(h.em.relationshipsOf(a.externalUserId).length, 2);
  t.is(h.em.externalUser(a.externalUserId)?.name, '周九');
  await t.throwsAsync(h.em.customerScans(way, { externalUserId: a.externalUserId }), { message: /already a contact/ });
  t.is((await h.em.customerScans(way)).userid, 'rep002', 'a refused scan does not advance the round-robin');
});

test('no WelcomeCode when the employee has an admin-configured welcome or the customer is a WeCom user', async (t) => {
  const h = await startWithReceiver(t);
  h.em.addEmployee('rep_admin', { adminWelcome: true });
  const adminWay = await addWay(h, { type: 1, user: ['rep_admin'] });
  const scan = await h.em.customerScans(adminWay);
  t.is(scan.welcomeCode, undefined);
  t.is(h.rx.received[0]?.event?.WelcomeCode, undefined);
  const plainWay = await addWay(h, { type: 1, user: ['rep001'] });
  const corpUser = await h.em.customerScans(plainWay, { type: 2 });
  t.regex(corpUser.externalUserId, /^wo/);
  t.is(corpUser.welcomeCode, undefined);
});

test('a way with skip_verify false pushes add_half_external_contact first; the add repeats the code only while unused', async (t) => {
  const h = await startWithReceiver(t);
  const way = await addWay(h, { skip_verify: false });
  const scan = await h.em.customerScans(way);
  t.truthy(scan.half?.delivered);
  t.deepEqual(
    h.rx.received.map((r) => [r.event?.ChangeType, r.event?.WelcomeCode]),
    [
      ['add_half_external_contact', scan.welcomeCode],
      ['add_external_contact', scan.welcomeCode],
    ],
  );

  // An app that sends the welcome while handling the half event: the add then carries no code.
  let sent: Promise<Json> | undefined;
  const h2 = await startWithReceiver(t, (_n, r) => {
    if (r.event?.ChangeType !== 'add_half_external_contact') return {};
    sent = h2.post(`${X}/send_welcome_msg`, { welcome_code: r.event.WelcomeCode, text: { content: '你好' } });
    return { waitFor: sent };
  });
  const scan2 = await h2.em.customerScans(await addWay(h2, { skip_verify: false }));
  t.is((await sent!).errcode, 0);
  t.deepEqual(
    h2.rx.received.map((r) => [r.event?.ChangeType, r.event?.WelcomeCode]),
    [
      ['add_half_external_contact', scan2.welcomeCode],
      ['add_external_contact', undefined],
    ],
  );
});

test('a temporary contact way is spent after one add', async (t) => {
  const h = await startWithReceiver(t);
  const way = await addWay(h, { type: 1, user: ['rep001'], is_temp: true, expires_in: 3600 });
  await h.em.customerScans(way);
  await t.throwsAsync(h.em.customerScans(way), { message: /no longer valid/ });
});

// ---------------------------------------------------------------- delivery semantics

test('a 500 is re-delivered with the same plaintext and a fresh nonce until a 200', async (t) => {
  const h = await startWithReceiver(t, (n) => ({ status: n < 2 ? 500 : 200 }));
  const scan = await h.em.customerScans(await addWay(h));
  t.true(scan.delivered);
  t.deepEqual(scan.attempts.map((a) => a.status), [500, 500, 200]);
  t.is(h.rx.received.length, 3);
  t.true(h.rx.received.every((r) => r.signatureOk && r.plaintext === scan.plaintext));
  t.is(new Set(h.rx.received.map((r) => r.query.nonce)).size, 3);
  t.is(new Set(h.rx.received.map((r) => r.envelope?.Encrypt)).size, 3, 're-encrypted each time');
});

test('after the first delivery and 3 retries WeCom gives up; retries is configurable', async (t) => {
  const h = await startWithReceiver(t, () => ({ status: 503 }));
  const scan = await h.em.customerScans(await addWay(h));
  t.false(scan.delivered);
  t.is(scan.attempts.length, 4);
  const h1 = await startWithReceiver(t, () => ({ status: 500 }), { retries: 1 });
  const r = await h1.em.push({ Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: 'rep001', ExternalUserID: 'wmX' });
  t.is(r.attempts.length, 2);
});

test('a slow answer times out and is re-delivered; the slow copy was still received', async (t) => {
  const h = await startWithReceiver(t, (n) => ({ delayMs: n === 0 ? 1000 : 0 }), { timeoutMs: 300 });
  const scan = await h.em.customerScans(await addWay(h));
  t.true(scan.delivered);
  t.deepEqual(scan.attempts.map((a) => a.status), ['timeout', 200]);
  t.true(scan.attempts[0]!.ms >= 290);
  t.is(h.rx.received.length, 2, 'the app saw the event twice and must dedupe');
});

test('an unreachable callback URL is reported as errors on every attempt', async (t) => {
  // A listener that drops every connection: the port stays ours for the whole test (a closed
  // probe port could be taken by another test's server in between).
  const probe = createNetServer((socket) => socket.destroy());
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => probe.close(() => r())));
  const port = (probe.address() as AddressInfo).port;
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET], callback: { url: `http://127.0.0.1:${port}/cb`, ...CB, retries: 2 } });
  t.teardown(() => em.close());
  const r = await em.push({ Event: 'change_external_contact', ChangeType: 'edit_external_contact' });
  t.false(r.delivered);
  t.deepEqual(r.attempts.map((a) => a.status), ['error', 'error', 'error']);
});

test('duplicate sends identical copies concurrently, each acknowledged on its own', async (t) => {
  const h = await startWithReceiver(t);
  const scan = await h.em.customerScans(await addWay(h), undefined, { duplicate: 2 });
  t.is(h.rx.received.length, 3);
  t.true(h.rx.received.every((r) => r.plaintext === scan.plaintext && r.signatureOk));
  t.is(scan.duplicates?.length, 2);
  t.true(scan.duplicates!.every((d) => d.delivered));
  t.is(h.em.deliveries.length, 1, 'one push in the delivery log');
});

test('redeliver sends an earlier plaintext again, and push can target a second app', async (t) => {
  const h = await startWithReceiver(t);
  const scan = await h.em.customerScans(await addWay(h));
  const again = await h.em.redeliver(scan.plaintext);
  t.true(again.delivered);
  t.is(h.rx.received[1]?.plaintext, scan.plaintext);
  const other = await startReceiver(t);
  const fanout = await h.em.push({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: 'rep001' }, { url: other.url });
  t.true(fanout.delivered);
  t.is(other.received.length, 1);
  t.is(other.received[0]?.event?.ChangeType, 'edit_external_contact');
  t.is(h.em.deliveries.length, 3);
});

test('push fills the header fields and keeps the given ones in order', async (t) => {
  const h = await startWithReceiver(t);
  const r = await h.em.push({ Event: 'change_external_tag', Id: 'etX', TagType: 'tag', ChangeType: 'create' });
  t.is(
    r.plaintext,
    `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
      `<CreateTime>${Math.floor(h.clock.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[etX]]></Id><TagType><![CDATA[tag]]></TagType>` +
      `<ChangeType><![CDATA[create]]></ChangeType></xml>`,
  );
});

test('setCallback points the driver at an endpoint known only after start-up', async (t) => {
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET], clock: new ManualClock() });
  t.teardown(() => em.close());
  await t.throwsAsync(em.push({ Event: 'x' }), { message: /no callback/ });
  const rx = await startReceiver(t);
  em.setCallback({ url: rx.url, ...CB });
  t.true((await em.push({ Event: 'change_external_contact', ChangeType: 'edit_external_contact' })).delivered);
  t.is(rx.received[0]?.envelope?.AgentID, '', 'AgentID is present but empty when none is configured');
});

test('close() aborts a delivery waiting on a slow app', async (t) => {
  const h = await startWithReceiver(t, () => ({ delayMs: 5000 }), { timeoutMs: 10_000 });
  const pending = h.em.push({ Event: 'change_external_contact', ChangeType: 'edit_external_contact' });
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await h.em.close();
  const r = await pending;
  t.true(Date.now() - started < 1000);
  t.false(r.delivered);
  t.is(r.attempts[0]?.status, 'error');
});

// ---------------------------------------------------------------- other contact events

test('employee edits, deletions and transfer failures push their events and change state', async (t) => {
  const h = await startWithReceiver(t);
  const way = await addWay(h);
  const tag = h.em.addCorpTag('等级', 'VIP');
  const a = await h.em.customerScans(way);
  const b = await h.em.customerScans(way);
  await h.em.employeeEdits(a.userid, a.externalUserId, { remark: '老客户', addTags: [tag.tagId] });
  t.like(h.em.relationship(a.userid, a.externalUserId), { remark: '老客户', tagIds: [tag.tagId] });
  await h.em.transferFails(a.userid, a.externalUserId, 'customer_limit_exceed');
  await h.em.employeeDeletes(a.userid, a.externalUserId, { byTransfer: true });
  await h.em.customerDeletes(b.userid, b.externalUserId);
  const events = h.rx.received.slice(2).map((r) => r.event as Json);
  t.like(events[0], { ChangeType: 'edit_external_contact', UserID: a.userid, ExternalUserID: a.externalUserId });
  t.is(events[0]!.State, undefined);
  t.like(events[1], { ChangeType: 'transfer_fail', FailReason: 'customer_limit_exceed', UserID: a.userid });
  t.like(events[2], { ChangeType: 'del_external_contact', Source: 'DELETE_BY_TRANSFER' });
  t.like(events[3], { ChangeType: 'del_follow_user', UserID: b.userid, ExternalUserID: b.externalUserId });
  t.is(h.em.relationship(a.userid, a.externalUserId), undefined);
  t.is(h.em.relationship(b.userid, b.externalUserId), undefined);
  t.is((await h.get(`${X}/get`, { external_userid: a.externalUserId })).errcode, 84061);
  await t.throwsAsync(h.em.customerDeletes(b.userid, b.externalUserId), { message: /not contacts/ });
  const plain = await h.em.customerScans(way);
  await h.em.employeeDeletes(plain.userid, plain.externalUserId);
  t.is(h.rx.received.at(-1)?.event?.Source, undefined, 'Source only for transfers');
});

test('tag library changes from the console update the library and push change_external_tag', async (t) => {
  const h = await startWithReceiver(t);
  const created = await h.em.tagLibraryChange('create', { groupName: '楼栋', name: '1号楼' });
  t.regex(created.id, /^et/);
  t.like(h.rx.received[0]?.event, { Event: 'change_external_tag', ChangeType: 'create', TagType: 'tag', Id: created.id });
  await h.em.tagLibraryChange('update', { id: created.id, name: '一号楼' });
  t.is(h.em.corpTags()[0]?.tags[0]?.name, '一号楼');
  const groupId = h.em.corpTags()[0]!.groupId;
  await h.em.tagLibraryChange('shuffle', { id: groupId, strategyId: '7' });
  t.like(h.rx.received[2]?.event, { ChangeType: 'shuffle', Id: groupId, StrategyId: '7' });
  t.is(h.rx.received[2]?.event?.TagType, undefined);
  await h.em.tagLibraryChange('delete', { id: groupId });
  t.like(h.rx.received[3]?.event, { ChangeType: 'delete', TagType: 'tag_group', Id: groupId });
  t.deepEqual(h.em.corpTags(), []);
  await t.throwsAsync(h.em.tagLibraryChange('update', { id: 'etNOPE' }));
});

test('changes made through the API never produce callbacks', async (t) => {
  const h = await startWithReceiver(t);
  const scan = await h.em.customerScans(await addWay(h));
  const tag = await h.post(`${X}/add_corp_tag`, { group_name: 'g', tag: [{ name: 't' }] });
  await h.post(`${X}/mark_tag`, { userid: scan.userid, external_userid: scan.externalUserId, add_tag: [tag.tag_group.tag[0].id] });
  await h.post(`${X}/edit_corp_tag`, { id: tag.tag_group.tag[0].id, name: 't2' });
  await h.post(`${X}/send_welcome_msg`, { welcome_code: scan.welcomeCode, text: { content: 'x' } });
  t.is(h.rx.received.length, 1, 'only the scan itself');
});

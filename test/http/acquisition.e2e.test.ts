import test from 'ava';
import { buildXml } from '../../src/integrations/wecom/xml.js';
import { CallbackCrypto } from '../../src/integrations/wecom/crypto.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import type { Siyu } from '../../src/main/compose.js';

const b = `[${backendName}]`;

async function createChannel(siyu: Siyu, over: Record<string, unknown> = {}) {
  const res = await admin(siyu).post('/api/channels', {
    name: '电梯广告-3号楼-A',
    kind: 'elevator',
    staffUserIds: ['rep001', 'rep002'],
    welcomeText: '您好{name}，欢迎来到3号楼！',
    tags: ['楼栋:3号楼', '电梯:A', '海报:春季'],
    ...over,
  });
  return res;
}

test(`${b} a scan through a channel QR makes one tagged customer and sends the channel welcome`, async (t) => {
  const siyu = await startApp(t);
  const created = await createChannel(siyu);
  t.is(created.status, 201, created.text);
  const ch = created.json;
  t.regex(ch.code, /^ch_[a-z0-9]{12}$/);
  t.truthy(ch.configId);
  t.regex(ch.qrCode, /^https?:\/\//);
  t.is(ch.syncState, 'synced');
  const way = siyu.emulator!.contactWay(ch.configId);
  t.is(way?.state, ch.code, 'the channel code is the state sent to WeCom');

  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '李四' });
  t.true(scan.delivered);
  t.is(scan.attempts[0]!.status, 200);
  await siyu.processor.drain();

  const welcome = siyu.emulator!.welcomes.find((w) => w.externalUserId === scan.externalUserId);
  t.truthy(welcome, 'welcome delivered');
  t.is(welcome!.text, '您好李四，欢迎来到3号楼！');

  const customerId = await siyu.customers.findIdByExternalUserId(scan.externalUserId);
  t.truthy(customerId);
  const view = await admin(siyu).get(`/api/customers/${customerId}`);
  t.is(view.status, 200);
  t.is(view.json.name, '李四');
  t.is(view.json.firstChannelId, ch.id);
  t.is(view.json.ownerUserId, scan.userid);
  const tags = view.json.tags.map((x: { group: string; name: string }) => `${x.group}/${x.name}`).sort();
  t.deepEqual(tags, ['客户行为/已加微', '来源渠道/电梯广告-3号楼-A', '楼栋/3号楼', '海报/春季', '电梯/A'].sort());
  const kinds = view.json.timeline.map((e: { kind: string }) => e.kind).sort();
  t.deepEqual(kinds, ['contact_added', 'tags_added', 'welcome_sent']);

  // The tags were marked in WeCom too, on the rep's relationship with the customer.
  const rel = siyu.emulator!.relationship(scan.userid, scan.externalUserId);
  t.is(rel?.tagIds.length, 5);
});

test(`${b} a callback delivered four times and twice concurrently is one event, one customer, one welcome`, async (t) => {
  const siyu = await startApp(t);
  const ch = (await createChannel(siyu)).json;
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '王五' }, { duplicate: 2 });
  await siyu.processor.drain();
  // WeCom's own retries: the same plaintext re-sent three more times.
  for (let i = 0; i < 3; i++) await siyu.emulator!.redeliver(scan.plaintext);
  await siyu.processor.drain();

  t.is(siyu.emulator!.welcomes.filter((w) => w.externalUserId === scan.externalUserId).length, 1);
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/send_welcome_msg').length, 1, 'welcome API called once');
  const events = await siyu.db('callback_events').select('status');
  t.deepEqual(events, [{ status: 'done' }]);
  t.is((await siyu.db('customers').count({ n: '*' }))[0]!.n as number, 1);
  const timeline = await siyu.db('customer_events').where({ kind: 'contact_added' }).count({ n: '*' });
  t.is(Number(timeline[0]!.n), 1);
});

test(`${b} an unknown state gets the default welcome and only the behaviour tag`, async (t) => {
  const siyu = await startApp(t);
  siyu.emulator!.addEmployee('rep009');
  const way = await siyu.wecom.call<{ errcode: number; errmsg: string; config_id: string }>('/cgi-bin/externalcontact/add_contact_way', {
    body: { type: 1, scene: 2, state: 'not_a_channel', user: ['rep009'] },
  });
  const scan = await siyu.emulator!.customerScans(way.config_id, { name: '赵六' });
  await siyu.processor.drain();
  const welcome = siyu.emulator!.welcomes.find((w) => w.externalUserId === scan.externalUserId);
  t.is(welcome?.text, siyu.config.welcome.defaultText.replace('{name}', '赵六'));
  const id = await siyu.customers.findIdByExternalUserId(scan.externalUserId);
  const view = await siyu.customers.view(id!);
  t.deepEqual(view.tags.map((x) => x.name), ['已加微']);
  t.is(view.firstChannelId, null);
});

test(`${b} deletions, edits and transfer failures land on the customer's timeline`, async (t) => {
  const siyu = await startApp(t);
  const ch = (await createChannel(siyu)).json;
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '钱七' });
  await siyu.processor.drain();
  const em = siyu.emulator!;
  await em.employeeEdits(scan.userid, scan.externalUserId);
  await em.transferFails(scan.userid, scan.externalUserId, 'customer_refused');
  await em.customerDeletes(scan.userid, scan.externalUserId);
  await siyu.processor.drain();
  const id = await siyu.customers.findIdByExternalUserId(scan.externalUserId);
  const view = await siyu.customers.view(id!);
  const kinds = view.timeline.map((e) => e.kind);
  t.true(kinds.includes('contact_edited'));
  t.true(kinds.includes('transfer_failed'));
  t.true(kinds.includes('contact_lost'));
  t.is(view.timeline.find((e) => e.kind === 'transfer_failed')!.data.reason, 'customer_refused');
  t.is(view.follows.find((f) => f.staffUserId === scan.userid)!.status, 'deleted_by_customer');

  const other = await em.customerScans(ch.configId, { name: '孙八' });
  await siyu.processor.drain();
  await em.employeeDeletes(other.userid, other.externalUserId);
  await siyu.processor.drain();
  const v2 = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(other.externalUserId))!);
  t.is(v2.follows[0]!.status, 'deleted_by_staff');
  t.true(v2.timeline.some((e) => e.kind === 'contact_deleted_by_staff'));
});

test(`${b} a customer adding two reps stays one customer with two relationships`, async (t) => {
  const siyu = await startApp(t);
  const ch = (await createChannel(siyu)).json;
  const first = await siyu.emulator!.customerScans(ch.configId, { name: '周九' });
  const second = await siyu.emulator!.customerScans(ch.configId, { externalUserId: first.externalUserId, name: '周九' });
  await siyu.processor.drain();
  t.not(first.userid, second.userid, 'round-robin picked the other rep');
  t.is((await siyu.db('customers').count({ n: '*' }))[0]!.n as number, 1);
  const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(first.externalUserId))!);
  t.deepEqual(view.follows.map((f) => f.staffUserId).sort(), [first.userid, second.userid].sort());
  t.is(view.timeline.filter((e) => e.kind === 'welcome_sent').length, 2);
});

test(`${b} a WeCom outage during the add still records the customer and retries the welcome inside the window`, async (t) => {
  const siyu = await startApp(t);
  const ch = (await createChannel(siyu)).json;
  siyu.emulator!.injectFault('/cgi-bin/externalcontact/send_welcome_msg', { errcode: -1, times: 2 });
  siyu.emulator!.injectFault('/cgi-bin/externalcontact/get', { errcode: -1, times: 10 });
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '吴十' });
  await siyu.processor.drain();
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/send_welcome_msg').length, 3, 'two busy answers, then delivered');
  t.truthy(siyu.emulator!.welcomes.find((w) => w.externalUserId === scan.externalUserId));
  const id = await siyu.customers.findIdByExternalUserId(scan.externalUserId);
  t.truthy(id, 'customer recorded even though the contact detail was unavailable');
  const metrics = await (await fetch(`${siyu.url}/metrics`)).text();
  t.regex(metrics, /siyu_wecom_api_calls_total\{path="\/cgi-bin\/externalcontact\/send_welcome_msg",errcode="-1"\} 2/);
  t.regex(metrics, /siyu_welcome_sends_total\{outcome="sent"\} 1/);
});

test(`${b} a welcome that cannot be delivered is recorded as failed, and the add is kept`, async (t) => {
  const siyu = await startApp(t);
  const ch = (await createChannel(siyu)).json;
  siyu.emulator!.injectFault('/cgi-bin/externalcontact/send_welcome_msg', { errcode: 40058, times: 1 });
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '郑一' });
  await siyu.processor.drain();
  const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(scan.externalUserId))!);
  const failed = view.timeline.find((e) => e.kind === 'welcome_failed');
  t.is(failed?.data.errcode, 40058);
  t.true(view.timeline.some((e) => e.kind === 'contact_added'));
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/send_welcome_msg').length, 1, 'a permanent error is not retried');
});

test(`${b} bad signature, wrong corp and garbage are refused and write nothing`, async (t) => {
  const siyu = await startApp(t);
  const cfg = siyu.config.wecom;
  const good = new CallbackCrypto({ token: cfg.token, encodingAesKey: cfg.aesKey, corpId: cfg.corpId });
  const ts = String(Math.floor(Date.now() / 1000));
  const inner = buildXml({ ToUserName: cfg.corpId, FromUserName: 'sys', CreateTime: Number(ts), MsgType: 'event', Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: 'rep001', ExternalUserID: 'wmX' });
  const post = (enc: string, sig: string, envelopeCorp = cfg.corpId, timestamp = ts) =>
    fetch(`${siyu.url}/wecom/callback?msg_signature=${sig}&timestamp=${timestamp}&nonce=n1`, {
      method: 'POST',
      body: `<xml><ToUserName><![CDATA[${envelopeCorp}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    });
  const enc = good.encrypt(inner);
  t.is((await post(enc, 'f'.repeat(40))).status, 401, 'bad signature');
  t.is((await post(enc, good.signature(ts, 'n1', enc), 'wwSOMEONEELSE')).status, 401, 'envelope for another corp');
  const foreign = new CallbackCrypto({ token: cfg.token, encodingAesKey: cfg.aesKey, corpId: 'wwSOMEONEELSE' }).encrypt(inner);
  t.is((await post(foreign, good.signature(ts, 'n1', foreign))).status, 401, 'ciphertext for another corp');
  t.is((await post(enc, good.signature('1000', 'n1', enc), cfg.corpId, '1000')).status, 401, 'stale timestamp');
  const junk = 'A'.repeat(64);
  t.is((await post(junk, good.signature(ts, 'n1', junk))).status, 400, 'undecryptable');
  const notXml = good.encrypt('this is not xml');
  t.is((await post(notXml, good.signature(ts, 'n1', notXml))).status, 400, 'plaintext not xml');
  const r = await fetch(`${siyu.url}/wecom/callback?msg_signature=x&timestamp=${ts}&nonce=n`, { method: 'POST', body: '<xml><Encrypt>' });
  t.is(r.status, 400);
  const big = await fetch(`${siyu.url}/wecom/callback?msg_signature=x&timestamp=${ts}&nonce=n`, { method: 'POST', body: 'x'.repeat(200_000) });
  t.is(big.status, 413);
  t.is((await fetch(`${siyu.url}/wecom/callback?msg_signature=x&timestamp=${ts}&nonce=n`, { method: 'POST' })).status, 400);
  const put = await fetch(`${siyu.url}/wecom/callback`, { method: 'PUT', body: 'x' });
  t.is(put.status, 405);
  t.truthy(put.headers.get('x-request-id'));
  t.is(((await put.json()) as { error: { code: string } }).error.code, 'REQUEST.METHOD_NOT_ALLOWED');
  t.is(Number((await siyu.db('callback_events').count({ n: '*' }))[0]!.n), 0, 'nothing written');
  const metrics = await (await fetch(`${siyu.url}/metrics`)).text();
  t.regex(metrics, /siyu_wecom_callbacks_total\{outcome="rejected_401"\} [1-9]/);
  t.regex(metrics, /siyu_http_requests_total\{method="POST",route="\/wecom\/callback",status="400"\} [1-9]/);
  t.is((await fetch(`${siyu.url}/healthz`)).status, 200, 'still healthy');
  // The good one goes through.
  t.is((await post(enc, good.signature(ts, 'n1', enc))).status, 200);
});

test(`${b} URL verification echoes the decrypted echostr exactly`, async (t) => {
  const siyu = await startApp(t);
  const r = await siyu.emulator!.verifyUrl();
  t.true(r.ok);
  t.is(r.status, 200);
  const bad = await fetch(`${siyu.url}/wecom/callback?msg_signature=${'0'.repeat(40)}&timestamp=1&nonce=2&echostr=abc`);
  t.is(bad.status, 401);
  t.is((await fetch(`${siyu.url}/wecom/callback`)).status, 400);
});

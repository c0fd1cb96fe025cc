import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { log as wechatyLog } from 'wechaty';
import { startBotRole } from '../../src/main/bot-role.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

wechatyLog.level('silent');
const b = `[${backendName}]`;

/** The app as `npm start` runs it in sandbox mode: HTTP, the emulator and the bot on its own mock puppet. */
async function sandbox(t: ExecutionContext): Promise<Siyu> {
  const dataDir = mkdtempSync(join(tmpdir(), 'siyu-sandbox-bot-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const siyu = await startApp(t, { overrides: { bot: { dataDir, ratePerMinute: 600, jitterMs: 0, groupWelcomeBatchMs: 0, adminUserIds: ['rep003'] } } });
  const role = await startBotRole(siyu, { drainPollMs: 20 });
  t.teardown(() => role.close());
  const end = Date.now() + 5000;
  while (!role.runtime.bot.isLoggedIn && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return siyu;
}

async function channel(siyu: Siyu) {
  const res = await admin(siyu).post('/api/channels', { name: '柜台', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '您好{name}，欢迎！', tags: [] });
  return res.json as { id: number; qrCode: string; configId: string };
}

test(`${b} a sandbox customer chats with the bot 1:1 and in a group, joins and leaves it, and deletes the rep, over HTTP`, async (t) => {
  const siyu = await sandbox(t);
  const api = admin(siyu);
  const ch = await channel(siyu);
  t.is((await api.post('/api/bot/rules', { name: '营业时间', scope: 'both', matchKind: 'contains', pattern: '营业时间', reply: '每天 10:00-22:00 营业' })).status, 201);
  const scan = (await api.post('/sandbox/scan', { channelId: ch.id, name: '小赵' })).json;

  // 1:1: the rule answers, and the chat lands on the customer who added the rep.
  const dm = await api.post('/sandbox/chat', { externalUserId: scan.externalUserId, name: '小赵', text: '请问营业时间？' });
  t.is(dm.status, 200, dm.text);
  t.deepEqual(dm.json.replies, ['每天 10:00-22:00 营业']);
  const inbound = await siyu.db('customer_events').where({ customer_id: scan.customerId, kind: 'message_in' }).first();
  t.truthy(inbound, 'the message is on the customer timeline');
  // 退订 goes the same way.
  t.regex((await api.post('/sandbox/chat', { externalUserId: scan.externalUserId, text: '退订' })).json.replies[0], /退订/);
  t.truthy((await siyu.db('customers').where({ id: scan.customerId }).first()).opted_out);

  // A group: joining gets the welcome, an @mention gets the rule, leaving is counted.
  const joined = await api.post('/sandbox/groups/R:sandbox1/join', { members: [{ name: '阿明' }], topic: '新客群' });
  t.is(joined.status, 200, joined.text);
  t.is(joined.json.roomId, 'R:sandbox1@chatroom', "the bot's id of the group");
  const said = await api.post('/sandbox/groups/R:sandbox1/messages', { name: '阿明', text: '营业时间几点', mentionBot: true });
  t.is(said.status, 200, said.text);
  t.true(said.json.replies.some((x: string) => x.includes('每天 10:00-22:00 营业')), JSON.stringify(said.json.replies));
  t.is((await api.post('/sandbox/groups/R:sandbox1/leave', { members: [{ name: '阿明' }] })).status, 200);
  const day = async () => (await api.get(`/api/bot/rooms/${encodeURIComponent(joined.json.roomId)}/daily`)).json.days[0];
  for (let i = 0; i < 100 && !(await day())?.leaves; i++) await new Promise((r) => setTimeout(r, 20));
  t.like(await day(), { joins: 1, leaves: 1 });

  // The customer deletes the rep: WeCom's callback, and they are lost.
  const del = await api.post('/sandbox/contacts/delete', { externalUserId: scan.externalUserId, staffUserId: 'rep001', by: 'customer' });
  t.is(del.status, 200, del.text);
  t.like(del.json, { callbackDelivered: true, customerId: scan.customerId, stage: 'churned' });
  t.is((await siyu.db('customer_events').where({ customer_id: scan.customerId, kind: 'contact_lost' })).length, 1);
  t.is((await api.post('/sandbox/contacts/delete', { externalUserId: scan.externalUserId, staffUserId: 'rep001', by: 'customer' })).status, 404, 'no longer contacts');
});

test(`${b} the sandbox endpoints need the admin key and refuse bad input in Chinese, writing nothing`, async (t) => {
  const siyu = await sandbox(t);
  const noKey = await fetch(`${siyu.url}/sandbox/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', text: 'hi' }) });
  t.is(noKey.status, 401);
  const api = admin(siyu);
  const bad = await api.post('/sandbox/chat', { text: '你好' });
  t.is(bad.status, 400);
  t.regex(bad.json.error.message, /externalUserId|name/);
  t.is((await api.post('/sandbox/chat', { name: '小钱', text: 'x'.repeat(501) })).status, 400);
  t.is((await api.post('/sandbox/groups/R:none/messages', { name: '小钱', text: '你好' })).status, 404);
  t.is((await api.post('/sandbox/groups/bad%20id/join', { members: [{ name: 'a' }] })).status, 400);
  t.is((await api.post('/sandbox/groups/R:big/join', { members: Array.from({ length: 21 }, (_, i) => ({ name: `p${i}` })) })).status, 400, 'at most 20 joiners at once');
  t.is((await api.post('/sandbox/contacts/delete', { externalUserId: 'wmNOBODY', staffUserId: 'rep001', by: 'customer' })).status, 404);
  t.is(Number((await siyu.db('customer_events').count({ n: '*' }).first())!.n), 0);
});

test(`${b} the emulator's contact-way QR is a real image of this server whose URL plays the add in one browser`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  t.true(ch.qrCode.startsWith(`${siyu.url}/sandbox/qr/`), ch.qrCode);
  const img = await fetch(ch.qrCode);
  t.is(img.status, 200);
  t.is(img.headers.get('content-type'), 'image/png');
  const png = PNG.sync.read(Buffer.from(await img.arrayBuffer()));
  const url = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
  t.truthy(url);
  t.true(url!.startsWith(`${siyu.url}/sandbox/add/${ch.configId}?sig=`), url);

  const page = await fetch(`${url}&name=${encodeURIComponent('小孙')}`);
  t.is(page.status, 200);
  const html = await page.text();
  t.regex(html, /已添加导购 rep001/);
  t.regex(html, /您好小孙，欢迎！/, 'the welcome went out');
  const externalUserId = /id="external-user-id">([^<]+)</.exec(html)![1]!;
  t.truthy(await siyu.customers.findIdByExternalUserId(externalUserId));

  t.is((await fetch(url!.replace(/sig=[^&]+/, 'sig=AAAAAAAAAAAAAAAA'))).status, 404, 'a forged link plays nothing');
  t.is((await fetch(`${siyu.url}/sandbox/qr/nope.png`)).status, 404);
  t.is(siyu.emulator!.relationshipsOf(externalUserId).length, 1);
});

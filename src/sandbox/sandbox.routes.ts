import Router from '@koa/router';
import { z } from 'zod';
import type { EventProcessor } from '../domain/acquisition/event-processor.js';
import type { ChannelService } from '../domain/channel/channel.service.js';
import type { CustomerService } from '../domain/customer/customer.service.js';
import type { WechatEmulator } from './wechat/index.js';
import type { WecomEmulator } from './wecom/index.js';
import { badRequest, conflict, notFound } from '../shared/errors.js';
import type { MockPhones, Person } from './mock-phones.js';
import { renderQr } from '../integrations/qr/index.js';
import { readJson } from '../http/body.js';

const scanBody = z
  .object({
    channelId: z.number().int().positive(),
    name: z.string().trim().min(1).max(30).optional(),
  })
  .strict();

// A sandbox person: a customer who added a rep (the externalUserId /sandbox/scan answered) or a stranger by name.
const person = {
  externalUserId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '企业微信外部联系人 ID 格式不对').optional(),
  name: z.string().trim().min(1).max(30).optional(),
};
const personBody = z.object(person).strict().refine((p) => p.externalUserId || p.name, { message: '请给出 externalUserId（扫码添加后得到）或 name' });
const waitMs = z.number().int().min(0).max(10_000).default(3000);
const chatBody = z.object({ ...person, text: z.string().trim().min(1).max(500), waitMs }).strict();
const roomId = z.string().regex(/^[A-Za-z0-9@:._-]{1,64}$/, '群 ID 只能包含字母、数字和 @ : . _ -，最长 64 位');
const membersBody = z.object({ members: z.array(personBody).min(1).max(20), topic: z.string().trim().min(1).max(30).optional() }).strict();
const roomSayBody = z.object({ ...person, text: z.string().trim().min(1).max(500), mentionBot: z.boolean().default(false), waitMs }).strict();
const deleteBody = z
  .object({
    externalUserId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '企业微信外部联系人 ID 格式不对'),
    staffUserId: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, '导购 userid 格式不对'),
    by: z.enum(['customer', 'rep']),
  })
  .strict();

const personOf = (p: { externalUserId?: string; name?: string }): Person => {
  if (!p.externalUserId && !p.name) throw badRequest('SANDBOX.PERSON_REQUIRED', '请给出 externalUserId（扫码添加后得到）或 name');
  return { externalUserId: p.externalUserId, name: p.name ?? '测试客户' };
};

const wxLoginBody = z.object({ openid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '只能包含字母、数字、_ 和 -，最长 64 位') }).strict();

/**
 * Sandbox only (no real WeCom configured): lets a person try the loop by hand. A "scan" makes
 * the emulator add a fake customer through the channel's contact way and push the signed,
 * encrypted callback to this server, exactly as WeCom would.
 */
export function sandboxRoutes(d: {
  emulator: WecomEmulator;
  wechat?: WechatEmulator;
  channels: ChannelService;
  customers: CustomerService;
  processor: EventProcessor;
  /** Customers' phones on the bot's mock puppet, while the bot runs in this process. */
  phones: () => MockPhones | undefined;
}): Router {
  const r = new Router({ prefix: '/sandbox' });
  const phones = () => {
    const p = d.phones();
    if (!p) throw conflict('SANDBOX.NO_BOT', '沙箱机器人未在本进程运行（用 npm start 启动）');
    return p;
  };

  // A customer (or a stranger) writes to the bot 1:1 through the mock puppet, as from their phone.
  r.post('/chat', async (ctx) => {
    const b = chatBody.parse(await readJson(ctx));
    ctx.body = await phones().dm(personOf(b), b.text, b.waitMs);
  });

  // People join or leave a group the bot is in (made on first join), as the puppet reports it.
  r.post('/groups/:roomId/join', async (ctx) => {
    const id = roomId.parse(ctx.params.roomId);
    const b = membersBody.parse(await readJson(ctx));
    ctx.body = { roomId: phones().join(id, b.members.map(personOf), b.topic) };
  });
  r.post('/groups/:roomId/leave', async (ctx) => {
    const id = roomId.parse(ctx.params.roomId);
    const b = membersBody.parse(await readJson(ctx));
    if (!phones().hasRoom(id)) throw notFound('SANDBOX.ROOM_NOT_FOUND', '沙箱里没有这个群，请先让人加入');
    phones().leave(id, b.members.map(personOf));
    ctx.body = { roomId: id };
  });
  r.post('/groups/:roomId/messages', async (ctx) => {
    const id = roomId.parse(ctx.params.roomId);
    const b = roomSayBody.parse(await readJson(ctx));
    if (!phones().hasRoom(id)) throw notFound('SANDBOX.ROOM_NOT_FOUND', '沙箱里没有这个群，请先让人加入');
    ctx.body = await phones().roomSay(id, personOf(b), b.text, b.mentionBot, b.waitMs);
  });

  // The customer deletes the rep, or the rep deletes the customer: WeCom's callback, pushed by the emulator.
  r.post('/contacts/delete', async (ctx) => {
    const b = deleteBody.parse(await readJson(ctx));
    if (!d.emulator.relationship(b.staffUserId, b.externalUserId)) throw notFound('SANDBOX.NOT_CONTACTS', '这位导购和客户在企业微信里不是好友');
    const report = b.by === 'customer' ? await d.emulator.customerDeletes(b.staffUserId, b.externalUserId) : await d.emulator.employeeDeletes(b.staffUserId, b.externalUserId);
    await d.processor.drain();
    const customerId = (await d.customers.findIdByExternalUserId(b.externalUserId)) ?? null;
    ctx.body = { callbackDelivered: report.delivered, customerId, stage: customerId === null ? null : (await d.customers.view(customerId, 0)).stage };
  });

  // What wx.login returns on the phone of this WeChat user, for POST /api/mp/login by hand.
  r.post('/wx-login', async (ctx) => {
    const { openid } = wxLoginBody.parse(await readJson(ctx));
    if (!d.wechat) throw badRequest('SANDBOX.NO_WECHAT', '沙箱未启用微信模拟');
    ctx.body = { code: d.wechat.issueCode(openid) };
  });

  r.post('/scan', async (ctx) => {
    const body = scanBody.parse(await readJson(ctx));
    let channel = await d.channels.get(body.channelId);
    // The emulator keeps its state in memory: after a restart it no longer knows old channels.
    if (channel.configId && !d.emulator.contactWay(channel.configId)) channel = await d.channels.sync(channel.id, { force: true });
    if (!channel.configId) throw badRequest('SANDBOX.CHANNEL_NOT_SYNCED', '该渠道尚未在企业微信生成二维码');
    const scan = await d.emulator.customerScans(channel.configId, { name: body.name ?? '测试客户' });
    await d.processor.drain();
    const welcome = d.emulator.welcomes.find((w) => w.externalUserId === scan.externalUserId);
    ctx.body = {
      externalUserId: scan.externalUserId,
      staffUserId: scan.userid,
      callbackDelivered: scan.delivered,
      customerId: (await d.customers.findIdByExternalUserId(scan.externalUserId)) ?? null,
      welcomeText: welcome?.text ?? null,
    };
  });

  return r;
}

/**
 * Sandbox only, public (an <img> and a phone camera send no admin key): the rep QR a contact way
 * hands out is an image of this server's, and the URL it encodes plays the add in the emulator
 * (signed per contact way, so only someone shown the QR can use it), so a newcomer walks
 * scan → lead → add → welcome in one browser.
 */
export function sandboxQrRoutes(d: { emulator: WecomEmulator; processor: EventProcessor; customers: CustomerService; addUrl(configId: string): string; verify(configId: string, sig: string): boolean }): Router {
  const r = new Router({ prefix: '/sandbox' });
  const configIdOf = (v: string) => {
    const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).safeParse(v);
    if (!id.success || !d.emulator.contactWay(id.data)) throw notFound('SANDBOX.QR_NOT_FOUND', '二维码不存在或已失效');
    return id.data;
  };
  r.get('/qr/:file', async (ctx) => {
    const configId = configIdOf(String(ctx.params.file).replace(/\.png$/, ''));
    ctx.type = 'image/png';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await renderQr(d.addUrl(configId), { format: 'png', size: 256, margin: 2, ecl: 'M' });
  });
  r.get('/add/:configId', async (ctx) => {
    const configId = configIdOf(ctx.params.configId!);
    if (!d.verify(configId, String(ctx.query.sig ?? ''))) throw notFound('SANDBOX.QR_NOT_FOUND', '二维码不存在或已失效');
    const name = z.string().trim().min(1).max(30).safeParse(ctx.query.name);
    const scan = await d.emulator.customerScans(configId, { name: name.success ? name.data : '测试客户' });
    await d.processor.drain();
    const welcome = d.emulator.welcomes.find((w) => w.externalUserId === scan.externalUserId);
    const customerId = (await d.customers.findIdByExternalUserId(scan.externalUserId)) ?? null;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = addedPage({ staffUserId: scan.userid, externalUserId: scan.externalUserId, customerId, welcome: welcome?.text ?? null });
  });
  return r;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function addedPage(v: { staffUserId: string; externalUserId: string; customerId: number | null; welcome: string | null }): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>已添加（沙箱）</title></head><body>
<h1>已添加导购 ${esc(v.staffUserId)}（沙箱）</h1>
<p>企业微信外部联系人 ID：<code id="external-user-id">${esc(v.externalUserId)}</code>${v.customerId === null ? '' : `，客户编号 <code id="customer-id">${v.customerId}</code>`}</p>
<p>欢迎语：</p><blockquote id="welcome">${v.welcome === null ? '（没有发出欢迎语）' : esc(v.welcome)}</blockquote>
<p>用 <code>POST /sandbox/chat</code> 以这位客户的身份和机器人聊天（见 README「Try it by hand」）。</p>
</body></html>`;
}

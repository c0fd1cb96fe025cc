import Router from '@koa/router';
import { z } from 'zod';
import type { EventProcessor } from '../domain/acquisition/event-processor.js';
import type { ChannelService } from '../domain/channel/channel.service.js';
import type { CustomerService } from '../domain/customer/customer.service.js';
import type { WechatEmulator } from './wechat/index.js';
import type { WecomEmulator } from './wecom/index.js';
import { badRequest } from '../shared/errors.js';
import { readJson } from '../http/body.js';

const scanBody = z
  .object({
    channelId: z.number().int().positive(),
    name: z.string().trim().min(1).max(30).optional(),
  })
  .strict();

const wxLoginBody = z.object({ openid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '只能包含字母、数字、_ 和 -，最长 64 位') }).strict();

/**
 * Sandbox only (no real WeCom configured): lets a person try the loop by hand. A "scan" makes
 * the emulator add a fake customer through the channel's contact way and push the signed,
 * encrypted callback to this server, exactly as WeCom would.
 */
export function sandboxRoutes(d: { emulator: WecomEmulator; wechat?: WechatEmulator; channels: ChannelService; customers: CustomerService; processor: EventProcessor }): Router {
  const r = new Router({ prefix: '/sandbox' });

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

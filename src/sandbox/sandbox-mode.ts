import { createHmac, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Config } from '../config/config.js';
import type { EventProcessor } from '../domain/acquisition/event-processor.js';
import type { ChannelService } from '../domain/channel/channel.service.js';
import type { CustomerService } from '../domain/customer/customer.service.js';
import type { Clock } from '../shared/clock.js';
import type { MockPhones } from './mock-phones.js';
import { sandboxQrRoutes, sandboxRoutes } from './sandbox.routes.js';
import { WechatEmulator } from './wechat/index.js';
import { WecomEmulator } from './wecom/index.js';

/** Reps the sandbox emulator knows, so channels can be created and scanned by hand. */
export const SANDBOX_STAFF = ['rep001', 'rep002', 'rep003'];

/**
 * Sandbox mode (no WeCom credentials): WeCom and WeChat are emulators in this process, and
 * /sandbox routes let a person play the customer's side. The composition loads this module with
 * a dynamic import only when config.sandbox is set, so a production role never loads it.
 */
export interface SandboxWorld {
  emulator: WecomEmulator;
  /** WeChat's jscode2session, when a mini-program AppID and secret are configured. */
  wechat?: WechatEmulator;
  wecomApiBase: string;
  wechatApiBase?: string;
  /** Admin-key routes: play the customer's side (scan, chat, groups, deletions, wx.login). */
  routes(d: { channels: ChannelService; customers: CustomerService; processor: EventProcessor; phones: () => MockPhones | undefined }): Router;
  /** Public routes: the reps' QR images, and the signed add link each one encodes. */
  publicRoutes(d: { customers: CustomerService; processor: EventProcessor }): Router;
  /**
   * Points the emulator's callback push at this server once it listens, and its contact ways'
   * QR images at the address phones reach it by.
   */
  serving(url: string, publicBaseUrl: string): void;
  close(): Promise<void>;
}

export async function startSandboxWorld(config: Config, clock: Clock): Promise<SandboxWorld> {
  // Contact ways' QR codes are images this server renders (/sandbox/qr/…): known once it listens.
  let base = config.publicBaseUrl ?? '';
  const sig = (configId: string) => createHmac('sha256', config.jwtSecret).update(`siyu sandbox add:${configId}`).digest('base64url').slice(0, 16);
  const emulator = new WecomEmulator({
    contactWayQrUrl: (configId) => `${base.replace(/\/+$/, '')}/sandbox/qr/${configId}.png`,
    corpId: config.wecom.corpId,
    secrets: [config.wecom.contactSecret, config.wecom.agentSecret],
    agentIds: [config.wecom.agentId],
    // The sandbox links the configured mini-program, as the WeCom admin would.
    linkedMiniAppIds: config.wecom.linkedMiniAppId ? [config.wecom.linkedMiniAppId] : [],
    clock,
  });
  for (const u of SANDBOX_STAFF) emulator.addEmployee(u, { name: u });
  const wecomApiBase = await emulator.listen(0, '127.0.0.1');
  let wechat: WechatEmulator | undefined;
  let wechatApiBase: string | undefined;
  if (config.wechat.miniAppId && config.wechat.miniAppSecret) {
    wechat = new WechatEmulator({ appId: config.wechat.miniAppId, appSecret: config.wechat.miniAppSecret, clock });
    wechatApiBase = await wechat.listen(0, '127.0.0.1');
  }
  return {
    emulator,
    wechat,
    wecomApiBase,
    wechatApiBase,
    routes: (d) => sandboxRoutes({ emulator, wechat, ...d }),
    publicRoutes: (d) =>
      sandboxQrRoutes({
        emulator,
        ...d,
        addUrl: (configId) => `${base.replace(/\/+$/, '')}/sandbox/add/${configId}?sig=${sig(configId)}`,
        verify: (configId, s) => s.length === 16 && timingSafeEqual(Buffer.from(s), Buffer.from(sig(configId))),
      }),
    serving: (url, publicBaseUrl) => {
      base = publicBaseUrl;
      emulator.setCallback({ url: `${url}/wecom/callback`, token: config.wecom.token, encodingAesKey: config.wecom.aesKey, agentId: String(config.wecom.agentId) });
    },
    close: async () => {
      await wechat?.close();
      await emulator.close();
    },
  };
}

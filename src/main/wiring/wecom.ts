import { AppMessageApi } from '../../integrations/wecom/app-message-api.js';
import { WecomClient } from '../../integrations/wecom/api-client.js';
import { WecomContactApi } from '../../integrations/wecom/contact-api.js';
import { WecomGateways } from '../../integrations/wecom/gateways.js';
import { GroupChatApi } from '../../integrations/wecom/groupchat-api.js';
import { WecomMassMessageTouches } from '../../integrations/wecom/mass-message-touches.js';
import type { SandboxWorld } from '../../sandbox/sandbox-mode.js';
import type { Platform } from './platform.js';

/**
 * WeCom (and WeChat's server API): the real HTTP API at the configured base URL, or in sandbox
 * mode the emulators, loaded on demand so production never loads src/sandbox.
 */
export interface WecomParts {
  wecom: WecomClient;
  gateways: WecomGateways;
  contactApi: WecomContactApi;
  massMessageTouches: WecomMassMessageTouches;
  groupChat: GroupChatApi;
  /** Application messages to reps and admins (message/send with the agent secret). */
  appMessages: AppMessageApi;
  wechatApiBase: string;
  sandbox?: SandboxWorld;
}

export async function wireWecom(p: Platform, o: { backoffMs?: number }): Promise<WecomParts> {
  const { config, closers } = p;
  let sandbox: SandboxWorld | undefined;
  if (config.sandbox) {
    const { startSandboxWorld } = await import('../../sandbox/sandbox-mode.js');
    sandbox = await startSandboxWorld(config, p.clock);
    closers.push(() => sandbox!.close());
  }
  const wecom = new WecomClient({
    apiBase: sandbox?.wecomApiBase ?? config.wecom.apiBase,
    corpId: config.wecom.corpId,
    secrets: { contact: config.wecom.contactSecret, agent: config.wecom.agentSecret },
    timeoutMs: config.wecom.timeoutMs,
    maxRetries: config.wecom.maxRetries,
    ratePerMinute: config.wecom.ratePerMinute,
    cache: p.cache,
    keys: p.keys,
    metrics: p.metrics,
    log: p.log.child({ module: 'wecom' }),
    clock: p.clock,
    backoffMs: o.backoffMs,
  });
  closers.push(() => wecom.close());
  const contactApi = new WecomContactApi(wecom);
  return {
    wecom,
    gateways: new WecomGateways(contactApi),
    contactApi,
    massMessageTouches: new WecomMassMessageTouches(contactApi),
    groupChat: new GroupChatApi(wecom),
    appMessages: new AppMessageApi(wecom, config.wecom.agentId),
    wechatApiBase: sandbox?.wechatApiBase ?? config.wechat.apiBase,
    sandbox,
  };
}

import { AppError } from '../../shared/errors.js';
import type { WecomClient, WecomResponse } from './api-client.js';

/** message/send takes at most this many userids per call (wecom-protocol.md §4.12). */
export const MAX_APP_MESSAGE_USERS = 1000;

export interface AppSendResult {
  msgid: string;
  /** Recipients WeCom did not deliver to (unknown or outside the app's visible range), lower-cased by WeCom. */
  invalidUsers: string[];
}

export interface AppSendOptions {
  /** WeCom drops an identical message to the same person within this many seconds (1..14400). */
  duplicateCheckSec?: number;
}

/**
 * Application messages to employees (message/send, wecom-protocol.md §4.12), sent with the
 * agent secret as the configured agent. Used to notify reps and admins. When every
 * recipient is invalid WeCom answers 81013, surfaced as WecomApiError; WeCom's per-member
 * caps (30/min, 1000/h) drop excess messages silently, so this is not a reliable channel.
 */
export class AppMessageApi {
  constructor(
    private readonly client: WecomClient,
    private readonly agentId: number,
  ) {}

  sendAppText(p: { toUsers: string[]; text: string } & AppSendOptions): Promise<AppSendResult> {
    return this.send(p.toUsers, 'text', { content: p.text }, p);
  }

  /** A card with a link; `btntxt` defaults to 详情 in WeCom. */
  sendAppTextCard(p: { toUsers: string[]; title: string; description: string; url: string; btntxt?: string } & AppSendOptions): Promise<AppSendResult> {
    return this.send(p.toUsers, 'textcard', { title: p.title, description: p.description, url: p.url, btntxt: p.btntxt }, p);
  }

  /**
   * 小程序通知消息: a card that opens `page` (e.g. `pages/x/x?id=1`) of `appId`, which must be a
   * mini-program linked to the app (90207 otherwise). WeCom wants title 4–12 characters, at most
   * 10 items, keys ≤ 10 and values ≤ 30 characters; the caller keeps to that.
   */
  sendMiniProgramNotice(
    p: { toUsers: string[]; appId: string; page: string; title: string; items: Array<{ key: string; value: string }>; emphasisFirstItem?: boolean } & AppSendOptions,
  ): Promise<AppSendResult> {
    return this.send(p.toUsers, 'miniprogram_notice', { appid: p.appId, page: p.page, title: p.title, emphasis_first_item: p.emphasisFirstItem ?? false, content_item: p.items }, p);
  }

  private async send(toUsers: string[], msgtype: string, payload: Record<string, unknown>, o: AppSendOptions): Promise<AppSendResult> {
    const users = [...new Set(toUsers)];
    if (users.length === 0 || users.length > MAX_APP_MESSAGE_USERS) {
      throw new AppError('WECOM.APP_MESSAGE_RECIPIENTS', `应用消息接收人需为 1 到 ${MAX_APP_MESSAGE_USERS} 人`, { status: 400 });
    }
    const r = await this.client.call<WecomResponse & { msgid?: string; invaliduser?: string }>('/cgi-bin/message/send', {
      app: 'agent',
      body: {
        touser: users.join('|'),
        msgtype,
        agentid: this.agentId,
        [msgtype]: payload,
        ...(o.duplicateCheckSec ? { enable_duplicate_check: 1, duplicate_check_interval: o.duplicateCheckSec } : {}),
      },
    });
    return { msgid: r.msgid ?? '', invalidUsers: (r.invaliduser ?? '').split('|').filter((u) => u !== '') };
  }
}

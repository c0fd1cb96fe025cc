import type { HandoffNotice, StaffNotifier } from '../../domain/conversation/conversation.ports.js';
import type { Logger } from '../../shared/logger.js';
import type { AppMessageApi } from './app-message-api.js';

/** The mini-program page of one customer (miniprogram/src/app.json). */
export const CUSTOMER_PAGE = 'pages/customer-detail/customer-detail';

/** The card's fixed texts; WeCom wants a title of 4–12 characters and keys of at most 10. */
const CARD = { title: '客户需要人工回复', customer: '客户', id: '客户编号', said: '客户留言', task: '跟进任务' } as const;
const VALUE_MAX = 30;

const cut = (s: string, max: number) => {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
};

/**
 * Staff notices as WeCom app messages. With a mini-program linked to the WeCom app
 * (`miniAppId`, config MP_APPID) a hand-off is a 小程序通知消息 whose tap opens the customer's
 * page; without one, or when WeCom refuses the card (say the appid was unlinked), it is the
 * text message, so the rep still hears of it.
 */
export class WecomStaffNotifier implements StaffNotifier {
  constructor(private readonly d: { api: AppMessageApi; miniAppId?: string; log: Logger }) {}

  async handoff(userIds: string[], n: HandoffNotice): Promise<void> {
    const { d } = this;
    if (d.miniAppId) {
      try {
        await d.api.sendMiniProgramNotice({
          toUsers: userIds,
          appId: d.miniAppId,
          page: `${CUSTOMER_PAGE}?id=${n.customerId}`,
          title: CARD.title,
          emphasisFirstItem: true,
          items: [
            { key: CARD.customer, value: cut(n.customerName, VALUE_MAX) },
            { key: CARD.id, value: String(n.customerId) },
            { key: CARD.said, value: cut(n.excerpt, VALUE_MAX) },
            ...(n.taskId === null ? [] : [{ key: CARD.task, value: `#${n.taskId}` }]),
          ],
        });
        return;
      } catch (e) {
        d.log.warn({ err: (e as Error).message, customerId: n.customerId }, 'mini-program hand-off notice refused; sending the text instead');
      }
    }
    await d.api.sendAppText({ toUsers: userIds, text: n.text });
  }
}

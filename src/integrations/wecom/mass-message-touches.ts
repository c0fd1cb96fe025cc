import type { MassMessageResults } from '../../domain/journey/journey.ports.js';
import type { WecomContactApi } from './contact-api.js';

/**
 * Journey touches sent as WeCom mass messages (add_msg_template, one customer each) and their
 * results read back. What WeCom's answers mean lives here, next to the calls:
 * - a customer in `fail_list` will not receive the message (not the sender's contact, or over
 *   WeCom's receive limit), so no message was made for them;
 * - a sender's task `status` 2 means the rep confirmed (sent) it in their WeCom client
 *   (0 not sent, 2 sent — wecom-protocol.md §4.11).
 */
export class WecomMassMessageTouches implements MassMessageResults {
  constructor(private readonly api: WecomContactApi) {}

  /** The message id, or undefined when WeCom listed the customer as one it will not deliver to. */
  async sendOne(p: { sender: string; externalUserId: string; text: string }): Promise<string | undefined> {
    const r = await this.api.addMsgTemplate({ sender: p.sender, externalUserIds: [p.externalUserId], text: p.text });
    return r.failList.includes(p.externalUserId) ? undefined : r.msgid;
  }

  async tasks(msgid: string): Promise<Array<{ userid: string; sent: boolean }>> {
    return (await this.api.getGroupMsgTasks(msgid)).map((x) => ({ userid: x.userid, sent: x.status === 2 }));
  }

  sendResults(msgid: string, userid: string): Promise<Array<{ externalUserId: string; status: number; sendTime: number | null }>> {
    return this.api.getGroupMsgSendResult(msgid, userid);
  }

  async listCreated({ from, to }: { from: number; to: number }): Promise<Array<{ msgid: string; createdAt: number; text: string }>> {
    const made = await this.api.listGroupMsgs({ startSec: Math.floor(from / 1000), endSec: Math.ceil(to / 1000), filterType: 0 });
    return made.filter((m) => m.text !== null).map((m) => ({ msgid: m.msgid, createdAt: m.createTime * 1000, text: m.text! }));
  }
}

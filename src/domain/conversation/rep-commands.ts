import type { Clock } from '../../shared/clock.js';
import { DAY_MS, shanghaiDayStart } from '../../shared/shanghai-time.js';
import type { ConversationRef } from '../outbox/outbox.types.js';
import type { ConversationDeps } from './conversation.ports.js';
import type { InboundMessage, StaffMember } from './conversation.types.js';
import { recordJourneyEvent } from '../journey/journey-timeline.js';
import { stageLabel } from '../customer/stage-labels.js';

const TASKS = /^(?:今日任务|今天任务|任务)$/u;
const DONE = /^完成\s*#?(\d{1,12})(?:\s+([\s\S]{1,200}))?$/u;
const CUSTOMER = /^客户\s+(\S[\s\S]{0,31})$/u;
const LIST_MAX = 20;
const SEARCH_MAX = 5;

/**
 * Commands a known rep sends the bot 1:1: 今日任务, 完成 <编号> <结果>, 客户 <名字或手机尾号>,
 * 帮助 (also the answer to anything it does not understand). Replies go to the rep's chat.
 */
export class RepCommands {
  constructor(
    private readonly d: Pick<ConversationDeps, 'tasks' | 'contacts' | 'templates' | 'maskPhone' | 'timeline'> & {
      clock: Clock;
      say(to: ConversationRef, text: string, dedupeKey: string): Promise<void>;
    },
  ) {}

  async handle(staff: StaffMember, m: InboundMessage): Promise<void> {
    const text = m.text.normalize('NFKC').trim();
    const answer = await this.answer(staff, text);
    await this.d.say(m.conversation, answer, `r:${m.id}`);
  }

  private async answer(staff: StaffMember, text: string): Promise<string> {
    const { d } = this;
    const t = (key: string, vars: Record<string, string | number> = {}) => d.templates.render(key, staff.storeId, { name: staff.name, ...vars });
    const now = d.clock.now();
    if (TASKS.test(text)) {
      const tasks = await d.tasks.listOpenDue(staff.userId, shanghaiDayStart(now) + DAY_MS, LIST_MAX);
      if (!tasks.length) return t('rep.tasks.none');
      const lines = tasks.map((x) => `#${x.id} ${x.title}${x.customerName ? `（${x.customerName}）` : ''}`);
      return `${await t('rep.tasks.header', { count: tasks.length })}\n${lines.join('\n')}`;
    }
    const done = DONE.exec(text);
    if (done) {
      const id = Number(done[1]);
      const outcome = (done[2] ?? '').trim() || '已完成';
      const task = await d.tasks.completeTask(id, staff.userId, outcome, now);
      if (task) await recordJourneyEvent(d.timeline, { kind: 'task_done', task, outcome: task.outcome ?? outcome, at: now });
      return t(task ? 'rep.task.done' : 'rep.task.not_found', { id, outcome });
    }
    const who = CUSTOMER.exec(text);
    if (who) {
      const q = who[1]!.trim();
      const found = await d.contacts.searchCustomers({ storeId: staff.storeId, text: q, limit: SEARCH_MAX + 1 });
      if (!found.length) return t('rep.customer.none', { query: q });
      if (found.length > 1) {
        const lines = found.slice(0, SEARCH_MAX).map((c) => `#${c.id} ${c.name || '（未留名）'} ${d.maskPhone(c.phoneEnc)}`);
        return `${await t('rep.customer.many', { query: q, count: found.length > SEARCH_MAX ? `${SEARCH_MAX}+` : found.length })}\n${lines.join('\n')}`;
      }
      const c = found[0]!;
      return [
        `#${c.id} ${c.name || '（未留名）'}`,
        `手机：${d.maskPhone(c.phoneEnc)}`,
        `阶段：${stageLabel(c.stage)}`,
        `标签：${c.tags.length ? c.tags.join('、') : '无'}`,
        ...(c.optedOut ? ['已退订自动消息'] : []),
      ].join('\n');
    }
    return t('rep.help');
  }
}

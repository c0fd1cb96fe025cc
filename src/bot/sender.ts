import type { Contact, Wechaty } from 'wechaty';
import type { ConversationRef, OutboundPort } from '../domain/outbox/outbox.types.js';
import { AppError } from '../shared/errors.js';
import type { EchoMemory } from './echo-memory.js';

// WorkPro refuses sends of an account over its (unpublished) limit with these; see wechaty-notes §2.
const THROTTLED = /20001|Feature temporarily unavailable|操作过于频繁/u;

/**
 * The only caller of Wechaty's say() and room.remove(). The outbox drainer decides when; this
 * decides nothing, it finds the target and speaks, mapping the vendor's refusals to codes the
 * drainer understands (BOT.RATE_LIMITED opens its breaker, BOT.NOT_FOUND fails the row).
 */
export class WechatySender implements OutboundPort {
  constructor(
    private readonly bot: Wechaty,
    private readonly echo: EchoMemory,
  ) {}

  async sendText(to: ConversationRef, text: string, o: { mentionIds?: string[] } = {}): Promise<void> {
    if (to.kind === 'dm') {
      const contact = await this.bot.Contact.find({ id: to.contactId });
      if (!contact) throw new AppError('BOT.NOT_FOUND', '找不到该联系人');
      this.echo.remember(to, text);
      await guard(() => contact.say(text));
      return;
    }
    const room = await this.bot.Room.find({ id: to.roomId });
    if (!room) throw new AppError('BOT.NOT_FOUND', '找不到该群');
    const mentions: Contact[] = [];
    for (const id of o.mentionIds ?? []) {
      const c = await this.bot.Contact.find({ id });
      if (c) mentions.push(c);
    }
    this.echo.remember(to, text);
    await guard(() => (mentions.length ? room.say(text, ...mentions) : room.say(text)));
  }

  async removeMember(roomId: string, contactId: string): Promise<void> {
    const room = await this.bot.Room.find({ id: roomId });
    const contact = await this.bot.Contact.find({ id: contactId });
    if (!room || !contact) throw new AppError('BOT.NOT_FOUND', '找不到该群或成员');
    await guard(() => room.remove(contact));
  }
}

async function guard(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (THROTTLED.test(msg)) throw new AppError('BOT.RATE_LIMITED', '机器人账号发送过于频繁，已暂停发送', { transient: true, cause: e });
    throw e;
  }
}

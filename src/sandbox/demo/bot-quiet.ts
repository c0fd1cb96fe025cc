import { setTimeout as sleep } from 'node:timers/promises';
import type { Siyu } from '../../main/compose.js';
import type { Clock } from '../../shared/clock.js';
import { DemoStepError } from './http-clients.js';
import type { MockChat } from './mock-chat.js';

/** Tells when the bot has caught up with the demo's customers: what an hour caused has happened. */
export class BotQuiet {
  private inboundBase = 0;
  private sentBase = 0;

  constructor(
    private readonly siyu: Siyu,
    private readonly chat: MockChat,
    private readonly clock: Clock,
  ) {}

  /** Counts from here on: a database may hold messages from before the demo. */
  async start(): Promise<void> {
    this.inboundBase = await this.countInbound();
    this.sentBase = await this.countSent();
  }

  private async countInbound(): Promise<number> {
    return Number((await this.siyu.db('customer_events').where({ kind: 'message_in' }).count({ n: '*' }))[0]!.n);
  }

  private async countSent(): Promise<number> {
    return Number((await this.siyu.db('outbox').where({ status: 'sent' }).count({ n: '*' }))[0]!.n);
  }

  /**
   * Waits until the bot has handled every message customers sent, the outbox has nothing due,
   * and every message sent has reached its phone: the hour is over only when what it caused
   * has happened (and the customers' reactions to it are drawn in the same hour every run).
   */
  async settle(): Promise<void> {
    const { db } = this.siyu;
    const end = Date.now() + 60_000;
    let calm = 0;
    while (calm < 2) {
      if (Date.now() > end) throw new DemoStepError(`the bot did not catch up within 60 s (messages sent ${this.chat.sent}, handled ${(await this.countInbound()) - this.inboundBase})`);
      const handled = (await this.countInbound()) - this.inboundBase;
      const busy = Number(
        (
          await db('outbox')
            .where((q) => q.where('status', 'sending').orWhere((p) => p.where('status', 'pending').andWhere('due_at', '<=', this.clock.now())))
            .count({ n: '*' })
        )[0]!.n,
      );
      const delivered = (await this.countSent()) - this.sentBase;
      calm = handled >= this.chat.sent && busy === 0 && this.chat.received >= delivered ? calm + 1 : 0;
      if (calm < 2) await sleep(calm ? 5 : 15);
    }
  }
}

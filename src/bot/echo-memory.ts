import type { ConversationRef } from '../domain/outbox/outbox.types.js';

const keyOf = (to: ConversationRef) => (to.kind === 'dm' ? `dm:${to.contactId}` : `room:${to.roomId}`);

/**
 * What this process just said, so the bot's own messages coming back as `self()` events are
 * told apart from messages the account's human user typed on their phone (a rep talking).
 */
export class EchoMemory {
  private readonly recent = new Map<string, Array<{ text: string; at: number }>>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 120_000,
  ) {}

  remember(to: ConversationRef, text: string): void {
    const k = keyOf(to);
    const list = (this.recent.get(k) ?? []).filter((x) => x.at > this.now() - this.ttlMs);
    list.push({ text, at: this.now() });
    this.recent.set(k, list);
  }

  /** True (once) when this text was sent by us to this conversation recently. */
  take(to: ConversationRef, text: string): boolean {
    const k = keyOf(to);
    const list = this.recent.get(k);
    if (!list) return false;
    const i = list.findIndex((x) => x.text === text && x.at > this.now() - this.ttlMs);
    if (i < 0) return false;
    list.splice(i, 1);
    if (!list.length) this.recent.delete(k);
    return true;
  }
}

import type { OutboxPurpose } from '../outbox/outbox.types.js';

/**
 * What a message is, as the person receiving it would judge it. The one owner of the opt-out
 * rule: the outbox (on enqueue and again before sending), the journey engine and the bot's
 * questions all ask {@link mayReceive}, and nothing else decides who an opted-out person hears from.
 *
 * - marketing: anything the person did not ask for (journey messages, questions, offers);
 * - order_notice: about an order the person placed, sent because of that order;
 * - service: an answer to the person's own message, the 退订 confirmation, a group warning.
 */
export type MessageClass = 'marketing' | 'order_notice' | 'service';

/** What a person who opted out (退订, or an operator on their behalf) still receives: only what they asked for. */
export const OPTED_OUT_RECEIVES: readonly MessageClass[] = ['order_notice', 'service'];

export function mayReceive(person: { optedOut: boolean; erased?: boolean }, cls: MessageClass): boolean {
  // An erased person has asked to be forgotten: no automated message of any kind.
  if (person.erased) return false;
  return !person.optedOut || OPTED_OUT_RECEIVES.includes(cls);
}

/** The bot outbox's purposes: only `marketing` is unasked-for; the rest answer the person or the room. */
export function outboxClass(purpose: OutboxPurpose): MessageClass {
  return purpose === 'marketing' ? 'marketing' : 'service';
}

/**
 * A journey step's message class. The author's `marketing: false` counts only where it can be
 * true — a message sent because of the order that started the run (an order_paid journey);
 * anywhere else the step is marketing whatever its author said, so an author cannot mark a
 * promotion as a notice. Questions are always marketing. Tasks are for the rep, not messages
 * (null), so they are created for opted-out customers too; the rep sees 已退订 on the customer.
 */
export function journeyStepClass(trigger: string, step: { type: string; marketing?: boolean }): MessageClass | null {
  if (step.type === 'send') return step.marketing === false && trigger === 'order_paid' ? 'order_notice' : 'marketing';
  if (step.type === 'ask') return 'marketing';
  return null;
}

/** What a journey step says about itself to operators: its class and whether an opted-out person gets it. */
export function stepAudience(trigger: string, step: { type: string; marketing?: boolean }): { messageClass: MessageClass | null; optedOutReceives: boolean | null } {
  const messageClass = journeyStepClass(trigger, step);
  return { messageClass, optedOutReceives: messageClass === null ? null : OPTED_OUT_RECEIVES.includes(messageClass) };
}

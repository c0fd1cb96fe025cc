import type { TimelineEntry } from '../customer/customer.types.js';
import type { Task } from '../task/task.types.js';
import type { Touch, TouchChannel } from './journey.types.js';

/** Where journey events are written (the customer store, or the bot's batched writer). */
export interface TimelineSink {
  insertTimelines(rows: TimelineEntry[]): Promise<void>;
}

/**
 * What a journey did to one customer, as it appears on their timeline. The one place that
 * turns journey events into timeline rows, so every rung (bot, WeCom mass message, task),
 * journey coupons and task outcomes read the same way. (A tag step's rows are written by the
 * customer edit service, like an operator's tag edit, with `by: 'journey'`.)
 */
export type JourneyEvent =
  | { kind: 'touch_sent'; touch: Touch; channel: TouchChannel; ref: string; text?: string; title?: string; coupon?: string; at: number }
  | { kind: 'task_done'; task: Pick<Task, 'id' | 'customerId' | 'kind' | 'title' | 'staffUserId'>; outcome: string; at: number };

const row = (customerId: number, kind: TimelineEntry['kind'], data: Record<string, unknown>, at: number, staffUserId: string | null = null): TimelineEntry => ({
  customerId,
  kind,
  channelId: null,
  staffUserId,
  data,
  occurredAt: at,
  sourceEventId: null,
});

/** The timeline rows of one journey event (none for a task without a customer). */
export function journeyTimelineRows(e: JourneyEvent): TimelineEntry[] {
  switch (e.kind) {
    case 'touch_sent': {
      const t = e.touch;
      const base = { via: 'journey', journeyId: t.journeyId, touchId: t.id, step: t.stepIndex };
      const rows = [
        row(t.customerId, 'touch_sent', {
          ...base,
          channel: e.channel,
          // A mass message waits for the rep to confirm it in WeCom; the template-results job reads the outcome.
          ...(e.channel === 'template' ? { awaitingRep: true } : {}),
          touchKind: t.kind,
          ...(e.text ? { text: e.text } : {}),
          ...(e.title ? { summary: e.title } : {}),
          ...(t.payload.question ? { question: t.payload.question } : {}),
          ref: e.ref,
        }, e.at),
      ];
      if (e.coupon) rows.push(row(t.customerId, 'coupon_given', { ...base, code: e.coupon, summary: `券码 ${e.coupon}` }, e.at));
      return rows;
    }
    case 'task_done':
      if (e.task.customerId === null) return [];
      return [row(e.task.customerId, 'task_done', { taskId: e.task.id, taskKind: e.task.kind, title: e.task.title, summary: e.outcome, outcome: e.outcome }, e.at, e.task.staffUserId)];
  }
}

/** Writes one journey event to the timeline. */
export async function recordJourneyEvent(sink: TimelineSink, e: JourneyEvent): Promise<void> {
  const rows = journeyTimelineRows(e);
  if (rows.length) await sink.insertTimelines(rows);
}

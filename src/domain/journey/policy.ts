import { DAY_MS, shanghaiDayStart, shanghaiMinuteOfDay } from '../../shared/shanghai-time.js';

export interface QuietHours {
  /** Minutes after Asia/Shanghai midnight: from 21:00 = 1260 to 09:00 = 540 (wraps midnight). */
  fromMin: number;
  toMin: number;
}

export const parseHm = (hm: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hm);
  if (!m) throw new Error(`not a time of day: ${hm}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** True when `at` falls in the quiet window. */
export function inQuietHours(at: number, q: QuietHours): boolean {
  if (q.fromMin === q.toMin) return false;
  const m = shanghaiMinuteOfDay(at);
  return q.fromMin < q.toMin ? m >= q.fromMin && m < q.toMin : m >= q.fromMin || m < q.toMin;
}

/** The first moment at or after `at` outside quiet hours. */
export function nextSendable(at: number, q: QuietHours): number {
  if (!inQuietHours(at, q)) return at;
  const day = shanghaiDayStart(at);
  const end = day + q.toMin * 60_000;
  return end > at ? end : end + DAY_MS;
}

/**
 * When a `wait` step ends. Without `atMin`: after the duration. With `atMin` and days: on the
 * Asia/Shanghai calendar day `days` later, at that time ("day 3 at 10:00"). With `atMin` only:
 * the next time the clock shows that time.
 */
export function waitUntil(from: number, step: { minutes?: number; days?: number; atMin?: number }): number {
  const t = from + (step.minutes ?? 0) * 60_000;
  const days = step.days ?? 0;
  if (step.atMin === undefined) return t + days * DAY_MS;
  if (days > 0) return shanghaiDayStart(t + days * DAY_MS) + step.atMin * 60_000;
  const candidate = shanghaiDayStart(t) + step.atMin * 60_000;
  return candidate >= t ? candidate : candidate + DAY_MS;
}

export interface Caps {
  perDay: number;
  perWeek: number;
}

/** Whether one more marketing touch fits the frequency caps (counts of marketing touches sent). */
export function withinCaps(sentToday: number, sentThisWeek: number, caps: Caps): boolean {
  return sentToday < caps.perDay && sentThisWeek < caps.perWeek;
}

/**
 * How long a touch waits for a way to reach its customer (an owner rep, a bot chat) before it is
 * skipped as `no_route`. An order or a lead often arrives seconds before the WeCom add that gives
 * the customer their rep (the POS is faster than WeCom's callback), and a post-purchase message
 * skipped for that would be lost for good.
 */
export const ROUTE_WAIT_MS = 30 * 60_000;
/** How often a touch waiting for a route looks again. */
export const ROUTE_RETRY_MS = 30_000;

/** When a touch with no route yet should look again, or undefined when it has waited long enough. */
export function retryForRoute(now: number, createdAt: number): number | undefined {
  return now - createdAt < ROUTE_WAIT_MS ? now + ROUTE_RETRY_MS : undefined;
}

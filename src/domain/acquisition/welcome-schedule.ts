/**
 * Which add to work on first when adds arrive faster than they can be welcomed. The welcome is
 * the only part of an add with a deadline: WeCom takes send_welcome_msg within 20 s of the add
 * event, once per code (wecom-protocol.md §4.2). Everything else (the profile fetch that fills
 * `{name}`, mark_tag, the customer and timeline writes) can wait for a quiet moment, durably.
 *
 * So, when behind: freshest first among the adds still inside their window (the older ones are
 * the likeliest to be lost anyway, and serving them first loses the fresh ones too), skip the
 * ones that can no longer make it (recorded as expired, the add itself still processed), and
 * leave the work without a deadline for when the pressure is gone. First-in-first-out under a
 * backlog ends with every welcome late: at 1,500 adds/s only 1,040 of 15,537 made it.
 */

export interface SchedulePolicy {
  /** How long a WelcomeCode is usable after the add event arrived (WeCom: 20 s). */
  windowMs: number;
  /** What sending takes once started (a WeCom round trip, the rate gate): with less left, skip. */
  sendMarginMs: number;
  /** This many adds waiting for their welcome (not yet started) means we are behind. */
  pressedAtWaiting: number;
  /** An add waiting this long for its welcome to start means we are behind. */
  pressedAtAgeMs: number;
}

export const DEFAULT_SCHEDULE: SchedulePolicy = { windowMs: 20_000, sendMarginMs: 1_500, pressedAtWaiting: 32, pressedAtAgeMs: 5_000 };

/** An add as the scheduler sees it: when the event arrived. */
export interface WaitingAdd {
  receivedAt: number;
}

/** Whether a welcome started now can still reach WeCom inside the add's window. */
export function canMakeWindow(receivedAt: number, now: number, p: SchedulePolicy): boolean {
  return now + p.sendMarginMs < receivedAt + p.windowMs;
}

/**
 * Behind: more adds waiting for their welcome than a moment's work, or one of them waiting
 * long. `oldestReceivedAt` is the oldest add still able to make its window (expired ones do not
 * count: nothing we do now helps them). Once behind, we stay behind until no add waits and no
 * welcome of the catch-up is still being sent (`catchingUp`), so deferred work does not slip
 * in between two waves of a burst.
 */
export function isPressed(
  waiting: { count: number; oldestReceivedAt?: number; wasPressed?: boolean; catchingUp?: number },
  now: number,
  p: SchedulePolicy,
): boolean {
  if (waiting.wasPressed && (waiting.count > 0 || (waiting.catchingUp ?? 0) > 0)) return true;
  if (waiting.count >= p.pressedAtWaiting) return true;
  return waiting.oldestReceivedAt !== undefined && now - waiting.oldestReceivedAt >= p.pressedAtAgeMs;
}

/**
 * The next welcomes to start, at most `max`: the freshest adds that can still make their window,
 * newest first; and every waiting add that can no longer make it (to record as expired and
 * process without a welcome attempt). `rest` keeps the others, in their order.
 */
export function nextWelcomes<T extends WaitingAdd>(waiting: readonly T[], now: number, p: SchedulePolicy, max: number): { send: T[]; expired: T[]; rest: T[] } {
  const expired: T[] = [];
  const live: T[] = [];
  for (const a of waiting) (canMakeWindow(a.receivedAt, now, p) ? live : expired).push(a);
  // Stable sort, newest first: equal arrival times keep their order.
  const byFreshness = [...live].sort((a, b) => b.receivedAt - a.receivedAt);
  const send = byFreshness.slice(0, Math.max(0, max));
  const picked = new Set(send);
  return { send, expired, rest: live.filter((a) => !picked.has(a)) };
}

/** What an add started now does besides its welcome. */
export interface AddPlan {
  /** Fetch the profile for `{name}` before the welcome; when pressed the template's fallback (no name) is used. */
  profileBeforeWelcome: boolean;
  /** The customer, follow, tags, timeline, mark_tag and journeys now; otherwise after the pressure is gone. */
  restNow: boolean;
}

export function planAdd(pressed: boolean, o: { templateUsesName: boolean; nameFromLead: boolean }): AddPlan {
  return { profileBeforeWelcome: !pressed && o.templateUsesName && !o.nameFromLead, restNow: !pressed };
}

/** Deferred work (adds whose welcome is settled) runs only when no welcome is waiting and we are not behind. */
export function mayRunDeferred(waitingWelcomes: number, pressed: boolean): boolean {
  return waitingWelcomes === 0 && !pressed;
}

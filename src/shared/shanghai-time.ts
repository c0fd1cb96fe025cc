/**
 * Stores live in Asia/Shanghai (UTC+8, no daylight saving): "today", unique visitors per day,
 * daily caps and working hours are counted on its calendar. Storage stays in UTC ms.
 */
export const DAY_MS = 86_400_000;
const OFFSET_MS = 8 * 3600_000;

/** Midnight (Asia/Shanghai) of the day `ms` falls on, in UTC ms. */
export function shanghaiDayStart(ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
}

/** The Asia/Shanghai calendar day of `ms` as YYYYMMDD. */
export function shanghaiDay(ms: number): number {
  const d = new Date(ms + OFFSET_MS);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Minutes since Asia/Shanghai midnight. */
export function shanghaiMinuteOfDay(ms: number): number {
  return Math.floor((ms - shanghaiDayStart(ms)) / 60_000);
}

/** Midnight (Asia/Shanghai) of a YYYY-MM-DD day in UTC ms; NaN when it is not a date. */
export function shanghaiMidnightOf(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`);
}

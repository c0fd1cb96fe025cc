import { shanghaiMinuteOfDay } from '../../shared/shanghai-time.js';
import type { Channel } from './channel.types.js';

/**
 * Which rep gets the next lead of a channel, given how many each got today. Reps at their
 * daily cap are skipped, then the backups are tried; if everyone is full the least-loaded rep
 * still gets the person — a customer who left details is never turned away.
 * round_robin: the least-loaded rep (ties in listed order), which spreads evenly over a day.
 * weighted: the rep whose share so far is furthest below their weight.
 */
export function pickRep(c: Pick<Channel, 'staffUserIds' | 'routing'>, today: Map<string, number>, now: number): string {
  const r = c.routing ?? { rule: 'round_robin' as const };
  const load = (u: string) => today.get(u) ?? 0;
  const weight = (u: string) => (r.rule === 'weighted' ? (r.weights?.[u] ?? 1) : 1);
  return openReps(c, today, now).reduce((a, b) => ((load(b) + 1) / weight(b) < (load(a) + 1) / weight(a) ? b : a));
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `now` falls in the working hours (a window may cross midnight, e.g. 20:00–02:00). */
export function onSchedule(hours: { from: string; to: string } | undefined, now: number): boolean {
  if (!hours) return true;
  const m = shanghaiMinuteOfDay(now);
  const from = minuteOf(hours.from);
  const to = minuteOf(hours.to);
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

/**
 * The reps who should take the channel's next customers: primaries on schedule and under the
 * cap, else backups under it, else every primary.
 */
export function openReps(c: Pick<Channel, 'staffUserIds' | 'routing'>, today: Map<string, number>, now: number): string[] {
  const cap = c.routing?.dailyCap;
  const open = (list: string[]) => list.filter((u) => cap === undefined || (today.get(u) ?? 0) < cap);
  const primary = onSchedule(c.routing?.hours, now) ? open(c.staffUserIds) : [];
  if (primary.length) return primary;
  const backups = open(c.routing?.backupUserIds ?? []);
  return backups.length ? backups : c.staffUserIds;
}

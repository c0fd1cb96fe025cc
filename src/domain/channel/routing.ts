import { shanghaiMinuteOfDay } from '../../shared/shanghai-time.js';
import type { Channel, Routing } from './channel.types.js';

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
 * The reps who should take the channel's next customers: primaries on schedule (their own hours,
 * else the channel's) and under the cap, else backups on schedule and under it, else every primary.
 */
export function openReps(c: Pick<Channel, 'staffUserIds' | 'routing'>, today: Map<string, number>, now: number): string[] {
  const r = c.routing;
  const cap = r?.dailyCap;
  const open = (list: string[], hours: Routing['hours']) =>
    list.filter((u) => (cap === undefined || (today.get(u) ?? 0) < cap) && onSchedule(r?.repHours?.[u] ?? hours, now));
  const primary = open(c.staffUserIds, r?.hours);
  if (primary.length) return primary;
  const backups = open(r?.backupUserIds ?? [], undefined);
  return backups.length ? backups : c.staffUserIds;
}

/**
 * The reps to list on the channel's shared QR right now. WeCom spreads a contact way's adds over
 * its reps by itself, evenly; a weighted split is approximated by listing, each minute, only the
 * reps whose share today is not ahead of the others' by a whole add: those whose load/weight is
 * at most the smallest (load + 1)/weight. Over a day the shares follow the weights to within
 * the adds of a minute.
 */
export function sharedQrReps(c: Pick<Channel, 'staffUserIds' | 'routing'>, today: Map<string, number>, now: number): string[] {
  const reps = openReps(c, today, now);
  const r = c.routing;
  if (r?.rule !== 'weighted' || reps.length < 2) return reps;
  const load = (u: string) => today.get(u) ?? 0;
  const weight = (u: string) => r.weights?.[u] ?? 1;
  const next = Math.min(...reps.map((u) => (load(u) + 1) / weight(u)));
  return reps.filter((u) => load(u) / weight(u) <= next);
}

/** Routing names only reps of the channel: weights and own hours for someone else are a mistake. */
/**
 * Every staff member a channel names, in any field: its reps, and the routing's backups, weights
 * and per-rep hours. A rule about who may be named (a manager names only reps of their store)
 * checks this list, so a field added to Routing later is covered by adding it here.
 */
export function staffNamedBy(c: { staffUserIds: readonly string[]; routing?: Routing | null }): string[] {
  const r = c.routing;
  return [...new Set([...c.staffUserIds, ...(r?.backupUserIds ?? []), ...Object.keys(r?.weights ?? {}), ...Object.keys(r?.repHours ?? {})])];
}

export function routingStrangers(staffUserIds: string[], r: Routing | null | undefined): string[] {
  if (!r) return [];
  const known = new Set([...staffUserIds, ...(r.backupUserIds ?? [])]);
  return [...new Set([...Object.keys(r.weights ?? {}), ...Object.keys(r.repHours ?? {})])].filter((u) => !known.has(u));
}

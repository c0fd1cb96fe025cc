import test from 'ava';
import { onSchedule, openReps, pickRep } from '../../src/domain/channel/routing.js';
import type { Routing } from '../../src/domain/channel/channel.types.js';

const at = (hhmm: string) => Date.parse(`2026-12-01T${hhmm}:00+08:00`);
const NOON = at('12:00');

/** Assigns n leads one after another and returns how many each rep got. */
function assign(staffUserIds: string[], routing: Routing | null, n: number): Record<string, number> {
  const today = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const u = pickRep({ staffUserIds, routing }, today, NOON);
    today.set(u, (today.get(u) ?? 0) + 1);
  }
  return Object.fromEntries(today);
}

test('round robin spreads leads evenly, in listed order', (t) => {
  t.deepEqual(assign(['a', 'b', 'c'], null, 7), { a: 3, b: 2, c: 2 });
  t.is(pickRep({ staffUserIds: ['a', 'b'], routing: null }, new Map(), NOON), 'a');
  t.is(pickRep({ staffUserIds: ['a', 'b'], routing: null }, new Map([['a', 1]]), NOON), 'b');
});

test('weighted shares follow the weights', (t) => {
  t.deepEqual(assign(['a', 'b'], { rule: 'weighted', weights: { a: 3, b: 1 } }, 40), { a: 30, b: 10 });
});

test('reps at their daily cap are skipped, then backups, and nobody is turned away', (t) => {
  const r: Routing = { rule: 'round_robin', dailyCap: 2, backupUserIds: ['z'] };
  t.deepEqual(assign(['a', 'b'], r, 6), { a: 2, b: 2, z: 2 });
  t.deepEqual(assign(['a', 'b'], r, 7), { a: 3, b: 2, z: 2 }, 'everyone full: the least loaded primary still gets them');
});

test('outside the primaries\' working hours the backups take over; windows may cross midnight', (t) => {
  const c = { staffUserIds: ['a', 'b'], routing: { rule: 'round_robin' as const, backupUserIds: ['night'], hours: { from: '09:00', to: '21:00' } } };
  t.deepEqual(openReps(c, new Map(), at('08:59')), ['night']);
  t.deepEqual(openReps(c, new Map(), at('09:00')), ['a', 'b']);
  t.deepEqual(openReps(c, new Map(), at('20:59')), ['a', 'b']);
  t.deepEqual(openReps(c, new Map(), at('21:00')), ['night']);
  t.deepEqual(openReps({ ...c, routing: { ...c.routing, backupUserIds: [] } }, new Map(), at('23:00')), ['a', 'b'], 'no backups: the primaries still take them');
  t.true(onSchedule({ from: '20:00', to: '02:00' }, at('23:30')));
  t.true(onSchedule({ from: '20:00', to: '02:00' }, at('01:59')));
  t.false(onSchedule({ from: '20:00', to: '02:00' }, at('02:00')));
  t.false(onSchedule({ from: '20:00', to: '02:00' }, at('12:00')));
});

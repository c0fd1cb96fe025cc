import test from 'ava';
import { onSchedule, openReps, pickRep, routingStrangers, sharedQrReps } from '../../src/domain/channel/routing.js';
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

test('a rep\'s own hours replace the channel\'s; a backup with hours is off outside them', (t) => {
  const c = {
    staffUserIds: ['day', 'evening'],
    routing: { rule: 'round_robin' as const, hours: { from: '09:00', to: '18:00' }, repHours: { evening: { from: '14:00', to: '22:00' }, night: { from: '22:00', to: '09:00' } }, backupUserIds: ['night'] },
  };
  t.deepEqual(openReps(c, new Map(), at('10:00')), ['day']);
  t.deepEqual(openReps(c, new Map(), at('15:00')), ['day', 'evening']);
  t.deepEqual(openReps(c, new Map(), at('19:00')), ['evening']);
  t.deepEqual(openReps(c, new Map(), at('23:00')), ['night']);
  t.is(pickRep(c, new Map([['day', 0], ['evening', 5]]), at('19:00')), 'evening', 'only the rep on duty, however loaded');
  // 08:00: only the night backup's own window (22:00–09:00) is open.
  t.deepEqual(openReps(c, new Map(), at('08:00')), ['night']);
  const noNight = { ...c, routing: { ...c.routing, repHours: { ...c.routing.repHours, night: { from: '22:00', to: '23:00' } } } };
  t.deepEqual(openReps(noNight, new Map(), at('08:00')), ['day', 'evening'], 'nobody on duty: the primaries still take them');
});

test('the shared QR lists, minute by minute, only the reps not ahead of their weighted share; over a day the adds follow the weights', (t) => {
  const c = { staffUserIds: ['a', 'b', 'c'], routing: { rule: 'weighted' as const, weights: { a: 3, b: 2, c: 1 } } };
  const today = new Map<string, number>();
  t.deepEqual(sharedQrReps(c, today, NOON), ['a', 'b', 'c'], 'nobody has had anyone yet');
  // WeCom shares each minute's adds evenly among the listed reps (4 adds a minute, round robin).
  let turn = 0;
  for (let minute = 0; minute < 150; minute++) {
    const listed = sharedQrReps(c, today, NOON);
    t.true(listed.length > 0);
    for (let i = 0; i < 4; i++) {
      const u = listed[turn++ % listed.length]!;
      today.set(u, (today.get(u) ?? 0) + 1);
    }
  }
  const total = 600;
  for (const [u, w] of Object.entries({ a: 3, b: 2, c: 1 })) {
    const share = (today.get(u) ?? 0) / total;
    t.true(Math.abs(share - w / 6) < 0.02, `${u}: ${today.get(u)} of ${total}`);
  }
  t.deepEqual(sharedQrReps({ ...c, routing: { rule: 'round_robin' } }, today, NOON), ['a', 'b', 'c'], 'round robin: everyone, WeCom spreads evenly');
});

test('routing may name only the channel\'s reps and backups', (t) => {
  t.deepEqual(routingStrangers(['a', 'b'], { rule: 'weighted', weights: { a: 2, x: 1 }, backupUserIds: ['z'], repHours: { z: { from: '09:00', to: '10:00' }, y: { from: '09:00', to: '10:00' } } }), ['x', 'y']);
  t.deepEqual(routingStrangers(['a'], null), []);
});

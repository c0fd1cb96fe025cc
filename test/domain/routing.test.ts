import test from 'ava';
import { pickRep } from '../../src/domain/channel/routing.js';
import type { Routing } from '../../src/domain/channel/channel.types.js';

/** Assigns n leads one after another and returns how many each rep got. */
function assign(staffUserIds: string[], routing: Routing | null, n: number): Record<string, number> {
  const today = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const u = pickRep({ staffUserIds, routing }, today);
    today.set(u, (today.get(u) ?? 0) + 1);
  }
  return Object.fromEntries(today);
}

test('round robin spreads leads evenly, in listed order', (t) => {
  t.deepEqual(assign(['a', 'b', 'c'], null, 7), { a: 3, b: 2, c: 2 });
  t.is(pickRep({ staffUserIds: ['a', 'b'], routing: null }, new Map()), 'a');
  t.is(pickRep({ staffUserIds: ['a', 'b'], routing: null }, new Map([['a', 1]])), 'b');
});

test('weighted shares follow the weights', (t) => {
  t.deepEqual(assign(['a', 'b'], { rule: 'weighted', weights: { a: 3, b: 1 } }, 40), { a: 30, b: 10 });
});

test('reps at their daily cap are skipped, then backups, and nobody is turned away', (t) => {
  const r: Routing = { rule: 'round_robin', dailyCap: 2, backupUserIds: ['z'] };
  t.deepEqual(assign(['a', 'b'], r, 6), { a: 2, b: 2, z: 2 });
  t.deepEqual(assign(['a', 'b'], r, 7), { a: 3, b: 2, z: 2 }, 'everyone full: the least loaded primary still gets them');
});

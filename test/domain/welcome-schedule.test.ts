import test from 'ava';
import { canMakeWindow, DEFAULT_SCHEDULE, isPressed, mayRunDeferred, nextWelcomes, planAdd } from '../../src/domain/acquisition/welcome-schedule.js';

const P = { windowMs: 20_000, sendMarginMs: 1_500, pressedAtWaiting: 32, pressedAtAgeMs: 1_000 };
const NOW = 1_000_000;
const add = (ageMs: number, id = ageMs) => ({ id, receivedAt: NOW - ageMs });

test('the default policy is WeCom 20-s window', (t) => {
  t.is(DEFAULT_SCHEDULE.windowMs, 20_000);
});

test('an add can make its window while the send margin still fits before the 20 s are up', (t) => {
  t.true(canMakeWindow(NOW, NOW, P));
  t.true(canMakeWindow(NOW - 18_000, NOW, P), '18 s old: 2 s left, margin 1.5 s');
  t.false(canMakeWindow(NOW - 18_500, NOW, P), 'exactly the margin left: too late');
  t.false(canMakeWindow(NOW - 60_000, NOW, P));
});

test('freshest first among adds still inside the window; the ones past it are set aside as expired', (t) => {
  const waiting = [add(30_000, 1), add(5_000, 2), add(19_000, 3), add(100, 4), add(2_000, 5), add(100, 6)];
  const r = nextWelcomes(waiting, NOW, P, 3);
  t.deepEqual(r.send.map((a) => a.id), [4, 6, 5], 'newest first; equal ages keep arrival order');
  t.deepEqual(r.expired.map((a) => a.id), [1, 3]);
  t.deepEqual(r.rest.map((a) => a.id), [2], 'the rest keep their order');
});

test('nothing waiting, nothing to do', (t) => {
  t.deepEqual(nextWelcomes([], NOW, P, 16), { send: [], expired: [], rest: [] });
});

test('behind when many wait, or one waited long; not for a few fresh ones', (t) => {
  t.false(isPressed({ count: 10, oldestReceivedAt: NOW - 200 }, NOW, P));
  t.true(isPressed({ count: 32, oldestReceivedAt: NOW }, NOW, P));
  t.true(isPressed({ count: 2, oldestReceivedAt: NOW - 1_000 }, NOW, P));
  t.false(isPressed({ count: 0 }, NOW, P));
});

test('once behind, still behind until nothing waits and the catch-up welcomes are out', (t) => {
  t.true(isPressed({ count: 1, oldestReceivedAt: NOW, wasPressed: true }, NOW, P));
  t.true(isPressed({ count: 0, wasPressed: true, catchingUp: 2 }, NOW, P));
  t.false(isPressed({ count: 0, wasPressed: true, catchingUp: 0 }, NOW, P));
});

test('when pressed: no profile fetch before the welcome, the rest deferred', (t) => {
  t.deepEqual(planAdd(true, { templateUsesName: true, nameFromLead: false }), { profileBeforeWelcome: false, restNow: false });
  t.deepEqual(planAdd(false, { templateUsesName: true, nameFromLead: false }), { profileBeforeWelcome: true, restNow: true });
  t.deepEqual(planAdd(false, { templateUsesName: true, nameFromLead: true }), { profileBeforeWelcome: false, restNow: true }, 'the lead gave the name');
  t.deepEqual(planAdd(false, { templateUsesName: false, nameFromLead: false }), { profileBeforeWelcome: false, restNow: true });
});

test('deferred work waits for the pressure to be gone', (t) => {
  t.true(mayRunDeferred(0, false));
  t.false(mayRunDeferred(0, true));
  t.false(mayRunDeferred(3, false));
});

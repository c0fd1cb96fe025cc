import test from 'ava';
import { canSee, canSeeShared, may, queryScope, type Principal } from '../../../src/domain/access/access.js';

const hq: Principal = { staffId: 1, wecomUserId: 'hq', name: 'hq', role: 'hq_admin', storeId: null };
const mgr: Principal = { staffId: 2, wecomUserId: 'mgr', name: 'mgr', role: 'store_manager', storeId: 7 };
const rep: Principal = { staffId: 3, wecomUserId: 'rep', name: 'rep', role: 'rep', storeId: 7 };

test('HQ sees every store, a manager their store, a rep only what they own', (t) => {
  const own = { storeId: 7, ownerUserId: 'rep' };
  const colleague = { storeId: 7, ownerUserId: 'other' };
  const elsewhere = { storeId: 8, ownerUserId: 'rep' };
  const nowhere = { storeId: null, ownerUserId: null };
  t.deepEqual([own, colleague, elsewhere, nowhere].map((r) => canSee(hq, r)), [true, true, true, true]);
  t.deepEqual([own, colleague, elsewhere, nowhere].map((r) => canSee(mgr, r)), [true, true, false, false]);
  t.deepEqual([own, colleague, elsewhere, nowhere].map((r) => canSee(rep, r)), [true, false, true, false]);
});

test('query scopes match canSee, and a manager without a store sees nothing rather than everything', (t) => {
  t.deepEqual(queryScope(hq), { kind: 'all' });
  t.deepEqual(queryScope(mgr), { kind: 'store', storeId: 7 });
  t.deepEqual(queryScope(rep), { kind: 'owner', ownerUserId: 'rep' });
  const storeless = { ...mgr, storeId: null };
  t.false(canSee(storeless, { storeId: null, ownerUserId: null }));
  t.false(canSee(storeless, { storeId: 7, ownerUserId: 'mgr' }));
});

test('phone reveal and store task lists are for HQ and managers', (t) => {
  t.deepEqual([hq, mgr, rep].map((p) => may(p, 'customer.revealPhone')), [true, true, false]);
  t.deepEqual([hq, mgr, rep].map((p) => may(p, 'task.listStore')), [true, true, false]);
});

test('a shared resource (a channel) is seen by HQ, its store and the reps it routes to', (t) => {
  const mine = { storeId: 7, userIds: ['rep', 'other'] };
  const colleagues = { storeId: 7, userIds: ['other'] };
  const elsewhere = { storeId: 8, userIds: ['rep'] };
  t.deepEqual([mine, colleagues, elsewhere].map((r) => canSeeShared(hq, r)), [true, true, true]);
  t.deepEqual([mine, colleagues, elsewhere].map((r) => canSeeShared(mgr, r)), [true, true, false]);
  t.deepEqual([mine, colleagues, elsewhere].map((r) => canSeeShared(rep, r)), [true, false, true]);
});

test('creating and pausing channels is for HQ and managers', (t) => {
  t.deepEqual([hq, mgr, rep].map((p) => may(p, 'channel.create')), [true, true, false]);
  t.deepEqual([hq, mgr, rep].map((p) => may(p, 'channel.pause')), [true, true, false]);
});

import test from 'ava';
import { canEditJourney, canSee, canSeeJourney, canSeeShared, may, queryScope, requireStoreScope, scopeForStore, visibleStores, type Principal } from '../../../src/domain/access/access.js';

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

test('one store-filter rule for every list and report: HQ any existing store, others only their own', async (t) => {
  t.deepEqual(scopeForStore(hq, 8), { kind: 'store', storeId: 8 });
  t.deepEqual(scopeForStore(mgr, 7), { kind: 'store', storeId: 7 });
  t.is(scopeForStore(mgr, 8), undefined, 'another store reads as missing');
  t.deepEqual(scopeForStore(rep, 7), { kind: 'owner', ownerUserId: 'rep' }, 'a rep naming their store still sees only what they own');
  t.is(scopeForStore(rep, 8), undefined);
  const exists = async (id: number) => id === 8;
  t.deepEqual(await requireStoreScope(hq, 8, exists), { scope: { kind: 'store', storeId: 8 }, storeId: 8 });
  const missing = await t.throwsAsync(requireStoreScope(hq, 9, exists));
  t.is((missing as { code?: string }).code, 'MP.NOT_FOUND', 'HQ naming a store that does not exist: 404 like any id out of scope');
  const foreign = await t.throwsAsync(requireStoreScope(mgr, 8, exists));
  t.is((foreign as { code?: string }).code, 'MP.NOT_FOUND');
});

test('stores a principal may list, and journeys they may see and edit', (t) => {
  t.deepEqual([hq, mgr, { ...mgr, storeId: null }].map(visibleStores), [{ kind: 'all' }, { kind: 'one', storeId: 7 }, { kind: 'none' }]);
  const chain = { storeId: null };
  const mine = { storeId: 7 };
  const theirs = { storeId: 8 };
  t.deepEqual([chain, mine, theirs].map((j) => canSeeJourney(mgr, j)), [true, true, false]);
  t.deepEqual([chain, mine, theirs].map((j) => canSeeJourney(hq, j)), [true, true, true]);
  t.deepEqual([chain, mine, theirs].map((j) => canEditJourney(mgr, j)), [false, true, false], "the chain's journeys are HQ's to edit");
  t.deepEqual([chain, mine, theirs].map((j) => canEditJourney(rep, j)), [false, false, false]);
  t.deepEqual([chain, mine, theirs].map((j) => canEditJourney(hq, j)), [true, true, true]);
});

import test from 'ava';
import { assignHoldout, liftReport } from '../../src/domain/segment/reactivation.js';
import { seeded } from '../support/segments.js';
import { DAY_MS, SEGMENTS, quintileScores, recencyDays, scoreStore, segmentLabel, segmentOf } from '../../src/domain/segment/rfm.js';

test('ten distinct values fall two per quintile; lower-is-better reverses them', (t) => {
  const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  t.deepEqual(quintileScores(v, 'higher'), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  t.deepEqual(quintileScores(v, 'lower'), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  t.deepEqual(quintileScores([70, 10, 100], 'higher'), [2, 1, 4], 'input order kept: w = 1, 0, 2 of n = 3');
});

test('ties share the score of their first member and never split', (t) => {
  // Six customers with one order: none is worse than another, so all get 1; the order of 2
  // has six worse (1 + floor(30/10) = 4), 3 has seven (4), 4 has eight (5), 5 has nine (5).
  t.deepEqual(quintileScores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], 'higher'), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
  t.deepEqual(quintileScores([3, 3, 3], 'lower'), [1, 1, 1]);
  t.deepEqual(quintileScores([7], 'higher'), [1]);
});

test('segments: score 3 is high, 2 is low; M decides important vs general', (t) => {
  t.is(segmentOf(3, 3, 3), 'important_value');
  t.is(segmentOf(5, 2, 3), 'important_develop');
  t.is(segmentOf(2, 3, 5), 'important_keep');
  t.is(segmentOf(1, 1, 4), 'important_retain');
  t.is(segmentOf(4, 5, 2), 'general_value');
  t.is(segmentOf(3, 2, 1), 'general_develop');
  t.is(segmentOf(2, 4, 2), 'general_keep');
  t.is(segmentOf(2, 2, 2), 'general_retain');
  t.is(segmentLabel('important_keep'), '重要保持客户');
  t.is(new Set(SEGMENTS.map((s) => `${s.r}${s.f}${s.m}`)).size, 8, 'every R/F/M combination has exactly one segment');
});

test('recency counts whole days since the last purchase', (t) => {
  const now = Date.UTC(2026, 5, 1);
  t.is(recencyDays(now, now - DAY_MS), 1);
  t.is(recencyDays(now, now - DAY_MS + 1), 0);
  t.is(recencyDays(now, now - 60 * DAY_MS - 5), 60);
});

test('scoreStore names customers from their R, F and M quintiles', (t) => {
  const now = Date.UTC(2026, 5, 1);
  const c = (customerId: number, days: number, orderCount: number, totalSpentFen: number) => ({ customerId, lastPurchaseAt: now - days * DAY_MS, orderCount, totalSpentFen });
  const scores = scoreStore(now, [c(1, 1, 9, 90_000), c(2, 300, 1, 100), c(3, 2, 1, 80_000), c(4, 200, 8, 500), c(5, 150, 5, 70_000)]);
  t.deepEqual(
    scores.map((s) => [s.customerId, s.r, s.f, s.m, s.segment]),
    [
      [1, 5, 5, 5, 'important_value'],
      [2, 1, 1, 1, 'general_retain'],
      [3, 4, 1, 4, 'important_develop'],
      [4, 2, 4, 2, 'general_keep'],
      [5, 3, 3, 3, 'important_value'],
    ],
  );
});

test('the holdout is exactly round(n × pct), disjoint from the treated, and random per seed', (t) => {
  const ids = Array.from({ length: 1000 }, (_, i) => i);
  const a = assignHoldout(ids, 0.1, seeded(1));
  t.is(a.holdout.length, 100);
  t.is(a.treated.length, 900);
  t.deepEqual([...a.treated, ...a.holdout].sort((x, y) => x - y), ids, 'everyone in exactly one arm');
  const b = assignHoldout(ids, 0.1, seeded(2));
  t.notDeepEqual(a.holdout, b.holdout);
  t.deepEqual(assignHoldout(ids, 0.1, seeded(1)).holdout, a.holdout, 'same seed, same draw');
  t.true(a.holdout.some((x) => x >= 500) && a.holdout.some((x) => x < 500), 'drawn from the whole list, not a prefix');
  t.is(assignHoldout(ids.slice(0, 7), 0.1, seeded(3)).holdout.length, 1);
  t.is(assignHoldout(ids, 0, seeded(3)).holdout.length, 0);
  t.throws(() => assignHoldout(ids, 1.5));
});

test('lift is the treated rate minus the holdout rate, per segment and overall', (t) => {
  const r = liftReport(
    [
      { segment: 'important_value', arm: 'treated', entered: 100, converted: 30 },
      { segment: 'important_value', arm: 'holdout', entered: 10, converted: 1 },
      { segment: 'general_retain', arm: 'treated', entered: 50, converted: 5 },
    ],
    14,
  );
  t.deepEqual(r.arms.map((a) => a.rate), [0.3, 0.1, 0.1]);
  const iv = r.lift.find((l) => l.segment === 'important_value')!;
  t.is(Math.round(iv.lift! * 1000), 200);
  t.deepEqual(r.lift.find((l) => l.segment === 'general_retain'), { segment: 'general_retain', treatedRate: 0.1, holdoutRate: null, lift: null, ci95: null, verdict: 'no_data', note: '没有对照组，无法计算提升' });
  // 30/100 against 1/10: a 20-point lift whose interval still contains 0.
  t.like(iv, { verdict: 'unclear', note: '样本太少，尚不能判断' });
  t.true(iv.ci95!.low < 0 && iv.ci95!.high > 0.2);
  const all = r.lift.find((l) => l.segment === 'all')!;
  t.is(all.treatedRate, 35 / 150);
  t.is(all.holdoutRate, 0.1);
});

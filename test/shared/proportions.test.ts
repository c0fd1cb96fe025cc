import test from 'ava';
import { describeLift, liftEstimate, newcombeDifference, rateEstimate, wilsonInterval } from '../../src/shared/proportions.js';

const r4 = (v: number) => Math.round(v * 10000) / 10000;

// Newcombe RG (1998) "Two-sided confidence intervals for the single proportion", Stat Med 17:857–872,
// Table I, method 3 (Wilson score without continuity correction).
for (const [x, n, low, high] of [
  [81, 263, 0.2553, 0.3662],
  [15, 148, 0.0624, 0.1605],
  [0, 20, 0, 0.1611],
  [1, 29, 0.0061, 0.1718],
] as const) {
  test(`Wilson interval of ${x}/${n} matches Newcombe's table: ${low} to ${high}`, (t) => {
    const w = wilsonInterval(x, n)!;
    t.deepEqual([r4(w.low), r4(w.high)], [low, high]);
  });
}

// Newcombe RG (1998) "Interval estimation for the difference between independent proportions",
// Stat Med 17:873–890, Table II, method 10 (hybrid score).
for (const [x1, n1, x2, n2, d, low, high] of [
  [56, 70, 48, 80, 0.2, 0.0524, 0.3339],
  [9, 10, 3, 10, 0.6, 0.1705, 0.809],
  [5, 56, 0, 29, 0.0893, -0.0381, 0.1926],
  [0, 10, 0, 20, 0, -0.1611, 0.2775],
  [10, 10, 0, 20, 1, 0.6791, 1],
  [10, 10, 0, 10, 1, 0.6075, 1],
] as const) {
  test(`Newcombe's hybrid interval of ${x1}/${n1} − ${x2}/${n2} matches the paper: ${d} (${low} to ${high})`, (t) => {
    const r = newcombeDifference(x1, n1, x2, n2)!;
    t.deepEqual([r4(r.difference), r4(r.low), r4(r.high)], [d, low, high]);
  });
}

test('a lift from a 2-person holdout is not presented as a finding', (t) => {
  const e = liftEstimate({ converted: 1, n: 3 }, { converted: 0, n: 2 });
  t.is(e.lift, 0.3333);
  t.true(e.ci95!.low < 0 && e.ci95!.high > 0);
  t.is(e.verdict, 'unclear');
  t.is(e.note, '样本太少，尚不能判断');
  t.regex(describeLift(e), /^提升 33\.3 个百分点（95% 区间 -\d+\.\d ~ \d+\.\d），样本太少，尚不能判断$/);
});

test('a lift whose interval excludes 0 says which way; large equal groups say there is no visible effect; an empty group says there is nothing to compare', (t) => {
  t.like(liftEstimate({ converted: 56, n: 70 }, { converted: 48, n: 80 }), { verdict: 'higher', lift: 0.2, ci95: { low: 0.0524, high: 0.3339 } });
  t.is(liftEstimate({ converted: 48, n: 80 }, { converted: 56, n: 70 }).verdict, 'lower');
  t.like(liftEstimate({ converted: 1000, n: 10000 }, { converted: 100, n: 1000 }), { verdict: 'unclear', note: '两组差别在误差范围内，看不出效果' });
  t.like(liftEstimate({ converted: 3, n: 10 }, { converted: 0, n: 0 }), { lift: null, ci95: null, verdict: 'no_data', note: '没有对照组，无法计算提升' });
});

test('a rate carries its Wilson interval; counts that cannot be are refused', (t) => {
  t.deepEqual(rateEstimate(81, 263), { rate: 0.308, ci95: { low: 0.2553, high: 0.3662 } });
  t.deepEqual(rateEstimate(0, 0), { rate: null, ci95: null });
  t.throws(() => wilsonInterval(3, 2), { instanceOf: RangeError });
  t.throws(() => wilsonInterval(-1, 2), { instanceOf: RangeError });
});

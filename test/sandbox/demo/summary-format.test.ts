import test from 'ava';
import { formatSummary, type Summary } from '../../../src/sandbox/demo/summary.js';
import { liftEstimate } from '../../../src/shared/proportions.js';

const month = (treated: { converted: number; n: number }, holdout: { converted: number; n: number }): Summary => {
  const e = liftEstimate(treated, holdout);
  return {
    period: { from: '2026-11-01', to: '2026-11-30' },
    funnel: { byBuilding: [], byChannel: [] },
    journeys: [],
    reactivation: {
      treated: treated.n,
      holdout: holdout.n,
      treatedConverted: treated.converted,
      holdoutConverted: holdout.converted,
      treatedRate: treated.n ? treated.converted / treated.n : null,
      holdoutRate: holdout.n ? holdout.converted / holdout.n : null,
      lift: e.lift,
      ci95: e.ci95,
      verdict: e.verdict,
      note: e.note,
    },
    nps: { responses: 0, promoters: 0, passives: 0, detractors: 0, nps: null },
    segments: [],
    orders: 0,
    handoffsWaiting: 0,
    welcomesSent: 0,
    mp: { customers: 0, storeTasks: 0 },
  };
};
const line = (s: Summary) => formatSummary(s, { seconds: 70, scale: 1, seed: 1 }).split('\n').find((l) => l.includes('唤醒组'))!;

test('the demo report does not print a lift from a 2-person holdout as a fact', (t) => {
  t.regex(line(month({ converted: 1, n: 3 }, { converted: 0, n: 2 })), /提升 33\.3 个百分点（95% 区间 -37\.8 ~ 79\.2），样本太少，尚不能判断$/);
});

test('the demo report prints a lift whose interval excludes 0 with that interval, and says when there is no holdout', (t) => {
  t.regex(line(month({ converted: 56, n: 70 }, { converted: 48, n: 80 })), /提升 20\.0 个百分点（95% 区间 5\.2 ~ 33\.4）$/);
  t.regex(line(month({ converted: 3, n: 10 }, { converted: 0, n: 0 })), /提升 –（没有对照组，无法计算提升）$/);
});

import test from 'ava';
import { npsOf } from '../../src/domain/report/nps.js';
import { admin, startApp } from '../support/app.js';

test('NPS: 9–10 promote, 0–6 detract; none answers null', (t) => {
  t.deepEqual(npsOf([10, 9, 8, 7, 6, 0]), { responses: 6, promoters: 2, passives: 2, detractors: 2, nps: 0 });
  t.is(npsOf([10, 10, 3]).nps, 33.3);
  t.is(npsOf([]).nps, null);
});

test('NPS per store and period over the admin API, Asia/Shanghai days; a bad period is refused in Chinese', async (t) => {
  const siyu = await startApp(t);
  const [storeId] = await siyu.db('stores').insert({ code: 's1', name: '一号店', created_at: 1 });
  const [other] = await siyu.db('stores').insert({ code: 's2', name: '二号店', created_at: 1 });
  const [c] = await siyu.db('customers').insert({ name: 'x', stage: 'new', gender: 0, opted_out: false, created_at: 1, updated_at: 1 });
  const at = (iso: string) => Date.parse(iso);
  const rows: Array<[number, number, string]> = [
    [Number(storeId), 10, '2026-03-01T00:30:00+08:00'],
    [Number(storeId), 9, '2026-03-02T12:00:00+08:00'],
    [Number(storeId), 8, '2026-03-03T23:59:00+08:00'],
    [Number(storeId), 3, '2026-03-03T10:00:00+08:00'],
    [Number(storeId), 0, '2026-03-04T00:00:00+08:00'], // the day after the period
    [Number(other), 0, '2026-03-02T10:00:00+08:00'],
  ];
  for (const [i, [s, score, when]] of rows.entries()) {
    await siyu.db('survey_answers').insert({ customer_id: Number(c), question: 'nps', ref: `r${i}`, value: String(score), score, store_id: s, answered_at: at(when) });
  }
  const r = await admin(siyu).get(`/api/reports/nps?from=2026-03-01&to=2026-03-03&storeId=${storeId}`);
  t.is(r.status, 200);
  t.like(r.json, { responses: 4, promoters: 2, passives: 1, detractors: 1, nps: 25 });
  const all = await admin(siyu).get('/api/reports/nps?from=2026-03-01&to=2026-03-03');
  t.is(all.json.responses, 5);
  const bad = await admin(siyu).get('/api/reports/nps?from=2026-03-05&to=2026-03-01');
  t.is(bad.status, 400);
  t.regex(bad.json.error.message, /日期范围无效/);
});

import test from 'ava';
import { runRfmNightly } from '../../src/jobs/rfm-nightly.job.js';
import { ManualClock } from '../../src/shared/clock.js';
import { SqlRfmRepo } from '../../src/persistence/rfm.repo.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { NOW, addCustomers } from '../support/segments.js';

const b = `[${backendName}]`;

test(`${b} the admin API shows the segment distribution, movement between runs and lift`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  await siyu.db('stores').insert({ id: 1, code: 's1', name: '门店1', created_at: 0 });
  await addCustomers(siyu.db, [
    { id: 1, storeId: 1, boughtDaysAgo: 1, orderCount: 9, totalSpentFen: 90_000 },
    { id: 2, storeId: 1, boughtDaysAgo: 300, orderCount: 1, totalSpentFen: 100 },
  ]);
  const job = (now: number) => runRfmNightly({ now, rfm: new SqlRfmRepo(siyu.db), clock: new ManualClock(now) });
  const first = await job(NOW);
  await siyu.db('customers').where('id', 2).update({ last_purchase_at: NOW + 1000, order_count: 20, total_spent_fen: 1_000_000 });
  const second = await job(NOW + 86_400_000);

  const dist = await api.get('/api/segments?storeId=1');
  t.is(dist.status, 200);
  t.like(dist.json.items[0], { storeId: 1, customers: 2 });
  t.deepEqual(
    dist.json.items[0].segments.filter((s: { customers: number }) => s.customers).map((s: { label: string }) => s.label),
    ['重要价值客户', '一般挽留客户'],
  );

  const mv = await api.get(`/api/segments/movement?from=${first.runId}&to=${second.runId}`);
  t.is(mv.status, 200);
  t.deepEqual(
    mv.json.moves.map((m: { from: string; to: string; customers: number }) => `${m.from}>${m.to}:${m.customers}`).sort(),
    ['general_retain>important_value:1', 'important_value>general_retain:1'],
  );
  t.is((await api.get(`/api/segments/movement?from=${second.runId}&to=${first.runId}`)).status, 400);
  t.is((await api.get(`/api/segments/movement?from=${first.runId}&to=99`)).status, 404);

  const lift = await api.get(`/api/reactivation/lift?runId=${second.runId}`);
  t.is(lift.status, 200);
  t.deepEqual(lift.json, { conversionDays: 14, arms: [], lift: [{ segment: 'all', treatedRate: null, holdoutRate: null, lift: null, ci95: null, verdict: 'no_data', note: '没有触达组，无法计算提升' }] });
  t.is((await api.get('/api/reactivation/lift')).status, 400);
  t.is((await admin({ ...siyu, config: { ...siyu.config, adminApiKey: 'wrong' } }).get('/api/segments')).status, 401);
});

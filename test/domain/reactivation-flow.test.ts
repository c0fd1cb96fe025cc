import test from 'ava';
import { runReactivation } from '../../src/jobs/reactivation.job.js';
import { runRfmNightly } from '../../src/jobs/rfm-nightly.job.js';
import { ManualClock } from '../../src/shared/clock.js';
import { startApp } from '../support/app.js';

const DAY = 86_400_000;
// 10:00 Asia/Shanghai.
const NOW = Date.UTC(2026, 5, 1, 2, 0, 0);

test('dormant customers: a holdout is recorded and left alone, the treated enter 沉睡唤醒 (high value → rep task, others → bot coupon), lift is measured', async (t) => {
  const clock = new ManualClock(NOW);
  const siyu = await startApp(t, { options: { clock } });
  await siyu.journeys.service.ensureDefaults();
  const [storeId] = await siyu.db('stores').insert({ code: 's1', name: '一号店', created_at: 1 });
  const ids: number[] = [];
  for (let i = 0; i < 20; i++) {
    // Big spenders (i < 5) and small ones, all silent for 90 days.
    const spent = i < 5 ? 500_000 + i : 1000 + i;
    const [id] = await siyu.db('customers').insert({
      store_id: Number(storeId),
      name: `客${i}`,
      stage: 'repeat',
      gender: 0,
      opted_out: false,
      owner_userid: 'rep001',
      order_count: i < 5 ? 6 : 1,
      total_spent_fen: spent,
      first_purchase_at: NOW - 200 * DAY,
      last_purchase_at: NOW - 90 * DAY - i * DAY,
      created_at: 1,
      updated_at: 1,
    });
    await siyu.db('customer_identities').insert({ customer_id: Number(id), kind: 'bot_contact', scope: siyu.config.bot.account, value: `wxid_${id}`, created_at: 1 });
    ids.push(Number(id));
  }
  // One recent buyer is not dormant.
  await siyu.db('customers').where({ id: ids[19] }).update({ last_purchase_at: NOW - 3 * DAY });

  await runRfmNightly({ now: NOW, rfm: siyu.segments.rfm, clock });
  let k = 0;
  const rng = () => ((k++ * 7919) % 100) / 100;
  const r = await runReactivation({ now: NOW, repo: siyu.segments.reactivation, journeys: siyu.journeys.service, dormantDays: 60, holdoutPct: 0.2, rng });
  t.is(r.treated + r.holdout, 19);
  t.true(r.holdout >= 3 && r.holdout <= 4, `holdout ${r.holdout}`);
  t.is(r.entered, r.treated);

  const entries = await siyu.db('reactivation_entries').where({ run_id: r.runId });
  const holdout = entries.filter((e) => e.arm === 'holdout').map((e) => Number(e.customer_id));
  const treated = entries.filter((e) => e.arm === 'treated').map((e) => Number(e.customer_id));
  t.false(entries.some((e) => Number(e.customer_id) === ids[19]));

  await siyu.journeys.engine.tick();
  const touches = await siyu.db('touches').whereIn('customer_id', [...holdout, ...treated]);
  const sorted = (a: number[]) => [...new Set(a)].sort((x, y) => x - y);
  t.deepEqual(sorted(touches.map((x) => Number(x.customer_id))), sorted(treated), 'the holdout gets nothing');
  for (const x of touches) {
    const seg = (await siyu.db('customer_rfm').where({ customer_id: x.customer_id }).first())?.segment as string;
    t.is(x.kind, seg.startsWith('important_') ? 'task' : 'message', `customer ${x.customer_id} in ${seg}`);
  }
  t.true(touches.some((x) => x.kind === 'task') && touches.some((x) => x.kind === 'message'));
  const task = await siyu.db('tasks').whereIn('customer_id', treated).first();
  t.regex(task.title, /^高价值沉睡客户客\d+：请电话回访，并赠送专属回归券 [A-Z0-9]{10}$/);

  // Two treated customers buy within 14 days, one holdout customer too.
  for (const [n, id] of [treated[0], treated[1], holdout[0]].entries()) {
    await siyu.db('orders').insert({ customer_id: id, source: 'admin', order_no: `R${n}`, amount_fen: 100, paid_at: NOW + 2 * DAY, items: '[]', created_at: NOW });
  }
  const lift = await siyu.segments.service.measureLift({ runId: r.runId }, 14);
  const overall = lift.lift.find((l) => l.segment === 'all' || l.segment === null)!;
  t.is(overall.treatedRate, 2 / treated.length);
  t.is(overall.holdoutRate, 1 / holdout.length);

  // A second run the same day selects nobody again.
  const again = await runReactivation({ now: NOW + 3600_000, repo: siyu.segments.reactivation, journeys: siyu.journeys.service, dormantDays: 60, holdoutPct: 0.2 });
  t.is(again.treated + again.holdout, 0);
});

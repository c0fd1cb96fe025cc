import test from 'ava';
import { addJourney, addOrder, DAY, mpWorld, NOW, TODAY, type MpWorld } from '../support/mp-reports-world.js';

const names = (r: { json: { items: Array<{ name: string }> } }) => r.json.items.map((i) => i.name).sort();

/** A global journey and one per store; j1 has runs for c1 and c2 with a sent touch each, c1 then buys. */
async function journeys(w: MpWorld) {
  const { siyu, stores, c } = w;
  const j = { j0: await addJourney(siyu, '总部旅程', null), j1: await addJourney(siyu, '一店旅程', stores.s1), j2: await addJourney(siyu, '二店旅程', stores.s2) };
  for (const [i, customerId] of [c.c1, c.c2].entries()) {
    const [runId] = await siyu.db('journey_runs').insert({ journey_id: j.j1, customer_id: customerId, store_id: stores.s1, trigger_ref: `order:${i}`, status: 'active', step_index: 2, next_at: NOW + DAY, entered_at: NOW - 2 * DAY });
    await siyu.db('touches').insert({ idem_key: `${j.j1}:${customerId}:order:${i}:1`, run_id: runId, journey_id: j.j1, customer_id: customerId, store_id: stores.s1, step_index: 1, kind: 'message', payload: JSON.stringify({ text: 'x' }), marketing: true, status: 'sent', channel: 'template', due_at: NOW - DAY, created_at: NOW - DAY, sent_at: NOW - DAY });
  }
  const [run3] = await siyu.db('journey_runs').insert({ journey_id: j.j2, customer_id: c.c3, store_id: stores.s2, trigger_ref: 'order:3', status: 'active', step_index: 2, next_at: NOW + DAY, entered_at: NOW - 2 * DAY });
  await siyu.db('touches').insert({ idem_key: `${j.j2}:${c.c3}:order:3:1`, run_id: run3, journey_id: j.j2, customer_id: c.c3, store_id: stores.s2, step_index: 1, kind: 'message', payload: JSON.stringify({ text: 'x' }), marketing: true, status: 'skipped', skip_reason: 'opted_out', due_at: NOW - DAY, created_at: NOW - DAY });
  await addOrder(siyu, { customerId: c.c1, storeId: stores.s1, amountFen: 9900, paidAt: NOW - DAY / 2, no: 'A1' });
  return j;
}

test('journeys are listed per role with numbers counted within the caller’s scope', async (t) => {
  const w = await mpWorld(t);
  const j = await journeys(w);
  t.deepEqual(names(await w.as('hq', 'GET', '/journeys')), ['一店旅程', '二店旅程', '总部旅程']);
  t.deepEqual(names(await w.as('mgr1', 'GET', '/journeys')), ['一店旅程', '总部旅程']);
  t.deepEqual(names(await w.as('rep2', 'GET', '/journeys')), ['二店旅程', '总部旅程']);

  const byId = async (who: 'hq' | 'mgr1' | 'rep1a' | 'rep1b', id: number) => (await w.as(who, 'GET', '/journeys')).json.items.find((i: { id: number }) => i.id === id);
  t.like((await byId('mgr1', j.j1)).stats, { entered: 2, sent: 2, converted: 1, skipped: 0 });
  t.like((await byId('rep1a', j.j1)).stats, { entered: 1, sent: 1, converted: 1 });
  t.like((await byId('rep1b', j.j1)).stats, { entered: 1, sent: 1, converted: 0 });
  t.like((await byId('hq', j.j2)).stats, { entered: 1, sent: 0, skipped: 1 });

  const one = await w.as('mgr1', 'GET', `/journeys/${j.j1}`);
  t.is(one.status, 200);
  t.like(one.json, { id: j.j1, name: '一店旅程', enabled: true, canEdit: true, trigger: { type: 'order_paid' } });
  t.deepEqual(
    one.json.steps.map((s: { id: number; kind: string; delayMinutes?: number; templateText?: string }) => [s.id, s.kind, s.delayMinutes ?? s.templateText ?? null]),
    [
      [0, 'wait', 1440],
      [1, 'send', '感谢{name}的购买！'],
      [2, 'wait', 120],
      [3, 'task', null],
    ],
  );
  t.false((await w.as('mgr1', 'GET', `/journeys/${j.j0}`)).json.canEdit, 'a global journey is HQ’s to change');
  t.false((await w.as('rep1a', 'GET', `/journeys/${j.j1}`)).json.canEdit);
});

test('HQ and a store’s manager enable and disable the store’s journey; a disabled journey lets nobody in', async (t) => {
  const w = await mpWorld(t);
  const j = await journeys(w);
  const off = await w.as('mgr1', 'POST', `/journeys/${j.j1}/disable`);
  t.is(off.status, 200);
  t.false(off.json.enabled);
  t.is(await w.siyu.journeys.service.trigger({ trigger: 'order_paid', customerId: w.c.c2, storeId: w.stores.s1, ref: 'order:new', at: NOW }), 1, 'only the global journey takes the order');
  t.true((await w.as('mgr1', 'POST', `/journeys/${j.j1}/enable`)).json.enabled);
  t.false((await w.as('hq', 'POST', `/journeys/${j.j0}/disable`)).json.enabled);
  t.false(Boolean((await w.siyu.db('journeys').where({ id: j.j0 }).first()).enabled));
});

test('editing delays and texts keeps the scheduled times of running customers and applies to steps reached later', async (t) => {
  const w = await mpWorld(t);
  const { siyu, clock, c, stores } = w;
  const id = await addJourney(siyu, '一店旅程', stores.s1);
  t.is(await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId: c.c1, storeId: stores.s1, ref: 'order:1', at: NOW }), 1);
  await siyu.journeys.engine.tick();
  const waiting = await siyu.db('journey_runs').where({ journey_id: id }).first();
  t.is(Number(waiting.next_at), NOW + DAY, 'waiting a day');

  const edited = await w.as('mgr1', 'PATCH', `/journeys/${id}`, { steps: [{ id: 0, delayMinutes: 30 }, { id: 1, templateText: '{name}您好，新品已到店' }] });
  t.is(edited.status, 200, JSON.stringify(edited.json));
  t.is(edited.json.steps[0].delayMinutes, 30);
  t.is(edited.json.steps[1].templateText, '{name}您好，新品已到店');
  t.is(Number((await siyu.db('journey_runs').where({ id: waiting.id }).first()).next_at), NOW + DAY, 'the running customer keeps their time');

  // A customer entering now waits the new 30 minutes.
  t.is(await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId: c.c2, storeId: stores.s1, ref: 'order:2', at: NOW }), 1);
  clock.advance(60_000);
  await siyu.journeys.engine.tick();
  const fresh = await siyu.db('journey_runs').where({ journey_id: id, customer_id: c.c2 }).first();
  t.is(Number(fresh.next_at), NOW + 30 * 60_000);

  // The first customer's message, created when their wait ends, carries the new text.
  clock.advance(DAY);
  await siyu.journeys.engine.tick();
  const touch = await siyu.db('touches').where({ journey_id: id, customer_id: c.c1, step_index: 1 }).first();
  t.is(JSON.parse(touch.payload).text, '{name}您好，新品已到店');
});

test('a step edit is refused whole when a step is missing, of another kind, repeated or invalid', async (t) => {
  const w = await mpWorld(t);
  const id = await addJourney(w.siyu, '一店旅程', w.stores.s1);
  const before = await w.siyu.db('journeys').where({ id }).first();
  const cases: Array<[unknown, number, string]> = [
    [{ steps: [{ id: 9, delayMinutes: 5 }] }, 400, 'MP.STEP_NOT_FOUND'],
    [{ steps: [{ id: 0, delayMinutes: 60 }, { id: 1, delayMinutes: 5 }] }, 400, 'MP.STEP_NOT_EDITABLE'],
    [{ steps: [{ id: 0, templateText: '你好' }] }, 400, 'MP.STEP_NOT_EDITABLE'],
    [{ steps: [{ id: 1, templateText: 'a' }, { id: 1, templateText: 'b' }] }, 400, 'MP.STEP_DUPLICATE'],
    [{ steps: [{ id: 0, delayMinutes: 0 }] }, 400, 'JOURNEY.INVALID'],
    [{ steps: [{ id: 1, templateText: '{name}您好，{store}上新了' }] }, 400, 'TEMPLATE.UNKNOWN_VARIABLE'],
    [{ steps: [{ id: 1, templateText: 'x'.repeat(1001) }] }, 400, 'REQUEST.INVALID'],
    [{ steps: [{ id: 1 }] }, 400, 'REQUEST.INVALID'],
    [{ steps: [{ id: 1, templateText: '好', name: '改名' }] }, 400, 'REQUEST.INVALID'],
    [{ steps: [] }, 400, 'REQUEST.INVALID'],
  ];
  for (const [body, status, code] of cases) {
    const r = await w.as('hq', 'PATCH', `/journeys/${id}`, body);
    t.is(r.status, status, JSON.stringify(body));
    t.is(r.json.error.code, code, JSON.stringify(body));
  }
  t.deepEqual(await w.siyu.db('journeys').where({ id }).first(), before);
});

test('the funnel is grouped by channel or placement and scoped: a rep sees the channels that route to them', async (t) => {
  const w = await mpWorld(t);
  const { siyu, ch } = w;
  const scans = (channelId: number, n: number) => siyu.db('scans').insert(Array.from({ length: n }, (_, i) => ({ channel_id: channelId, visitor_id: `v${channelId}-${i}`, ip_hash: 'h', day: 20260615, first_of_day: true, created_at: NOW - 3600_000 })));
  await scans(ch.ch1, 3);
  await scans(ch.ch2, 2);
  await scans(ch.ch3, 5);
  const rows = async (who: 'hq' | 'mgr1' | 'rep1a', q: string) => (await w.as(who, 'GET', `/reports/funnel?${q}`)).json.rows.map((r: { key: string; scans: number }) => [r.key, r.scans]);
  const hq = Object.fromEntries(await rows('hq', `groupBy=${encodeURIComponent('楼栋')}`));
  t.deepEqual(hq, { '1号楼': 8, '2号楼': 2 });
  t.deepEqual(Object.fromEntries(await rows('mgr1', `groupBy=${encodeURIComponent('楼栋')}`)), { '1号楼': 3, '2号楼': 2 });
  t.deepEqual(await rows('rep1a', 'groupBy=channel'), [['渠道ch1', 3]]);
  t.deepEqual(Object.fromEntries(await rows('hq', `storeId=${w.stores.s2}`)), { 渠道ch3: 5 });
  const out = await w.as('mgr1', 'GET', '/reports/funnel');
  t.like(out.json, { from: '2026-05-17', to: TODAY, groupBy: 'channel' });
  t.is((await w.as('hq', 'GET', '/reports/funnel?from=2026-06-16&to=2026-06-01')).json.error.code, 'MP.BAD_RANGE');
});

test('journey effect, NPS, RFM and LTV are counted over the caller’s customers', async (t) => {
  const w = await mpWorld(t);
  const { siyu, c, stores, ch } = w;
  const j = await journeys(w);
  const report = (who: 'hq' | 'mgr1' | 'mgr2' | 'rep1a', path: string) => w.as(who, 'GET', path).then((r) => r.json);

  const jr = await report('rep1a', '/reports/journeys');
  t.like(jr.rows.find((r: { journeyId: number }) => r.journeyId === j.j1), { name: '一店旅程', entered: 1, sent: 1, converted: 1 });
  t.like((await report('mgr1', '/reports/journeys')).rows.find((r: { journeyId: number }) => r.journeyId === j.j1), { entered: 2, converted: 1, rates: { converted: 0.5 }, ci95: { converted: { low: 0.0945, high: 0.9055 } } }, '1 of 2 converted: the rate comes with its Wilson interval');
  t.like((await report('hq', `/reports/journeys?from=${TODAY}&to=${TODAY}`)).rows.find((r: { journeyId: number }) => r.journeyId === j.j1), { ci95: { converted: null } }, 'no interval where nobody entered');
  t.false((await report('mgr1', '/reports/journeys')).rows.some((r: { journeyId: number }) => r.journeyId === j.j2));
  t.like((await report('hq', `/reports/journeys?from=${TODAY}&to=${TODAY}`)).rows.find((r: { journeyId: number }) => r.journeyId === j.j1), { entered: 0 }, 'runs entered before the period are not counted');

  const nps = (customerId: number, storeId: number, score: number, i: number) => ({ customer_id: customerId, question: 'nps', ref: `r${i}`, value: String(score), score, store_id: storeId, answered_at: NOW - DAY });
  await siyu.db('survey_answers').insert([nps(c.c1, stores.s1, 10, 1), nps(c.c2, stores.s1, 3, 2), nps(c.c3, stores.s2, 9, 3)]);
  t.like(await report('mgr1', '/reports/nps'), { responses: 2, promoters: 1, detractors: 1, nps: 0 });
  t.like(await report('rep1a', '/reports/nps'), { responses: 1, nps: 100 });
  const all = await report('hq', '/reports/nps');
  t.like(all, { responses: 3, promoters: 2 });
  t.deepEqual(all.byStore.map((s: { storeId: number; responses: number }) => [s.storeId, s.responses]), [[stores.s1, 2], [stores.s2, 1]]);
  t.is((await report('mgr1', '/reports/nps')).byStore, undefined);

  await siyu.db('rfm_runs').insert({ started_at: NOW - 3600_000, finished_at: NOW - 1800_000, customers: 3 });
  const rfm = (customerId: number, storeId: number, segment: string) => ({ customer_id: customerId, store_id: storeId, r: 3, f: 3, m: 3, segment, run_id: 1, computed_at: NOW });
  await siyu.db('customer_rfm').insert([rfm(c.c1, stores.s1, 'important_value'), rfm(c.c2, stores.s1, 'general_retain'), rfm(c.c3, stores.s2, 'important_value')]);
  const mine = await report('mgr1', '/reports/rfm');
  t.is(mine.asOf, new Date(NOW - 1800_000).toISOString());
  t.is(mine.total, 2);
  t.is(mine.segments.length, 8);
  t.like(mine.segments.find((s: { segment: string }) => s.segment === 'important_value'), { count: 1, share: 0.5, label: '重要价值客户' });
  t.like((await report('hq', '/reports/rfm')).segments.find((s: { segment: string }) => s.segment === 'important_value'), { count: 2 });
  t.is((await report('rep1a', '/reports/rfm')).total, 1);

  await addOrder(siyu, { customerId: c.c1, storeId: stores.s1, amountFen: 100, paidAt: NOW - 3600_000, no: 'A2' });
  await addOrder(siyu, { customerId: c.c3, storeId: stores.s2, amountFen: 5000, paidAt: NOW - 3600_000, no: 'B1' });
  const ltv = await report('mgr1', '/reports/ltv');
  t.deepEqual(
    ltv.rows.map((r: { channelId: number; customers: number; orders: number; revenueFen: number; ltvFen: number }) => [r.channelId, r.customers, r.orders, r.revenueFen, r.ltvFen]),
    [
      [ch.ch1, 1, 2, 10_000, 10_000],
      [ch.ch2, 1, 0, 0, 0],
    ],
  );
  t.deepEqual((await report('mgr2', '/reports/ltv')).rows.map((r: { channelName: string; ltvFen: number }) => [r.channelName, r.ltvFen]), [['渠道ch3', 5000]]);
});

test('reactivation lift compares the treated arm with the holdout within the caller’s scope', async (t) => {
  const w = await mpWorld(t);
  const { siyu, c, stores } = w;
  const entry = (customerId: number, storeId: number, arm: string) => ({ customer_id: customerId, store_id: storeId, run_id: 7, segment: 'important_retain', arm, entered_at: NOW - 5 * DAY });
  await siyu.db('reactivation_entries').insert([entry(c.c1, stores.s1, 'treated'), entry(c.c2, stores.s1, 'holdout'), entry(c.c3, stores.s2, 'treated')]);
  await addOrder(siyu, { customerId: c.c1, storeId: stores.s1, amountFen: 100, paidAt: NOW - 4 * DAY, no: 'R1' });
  const mgr = (await w.as('mgr1', 'GET', '/reports/reactivation?runId=7')).json;
  t.like(mgr, { runId: 7, treated: { n: 1, converted: 1, rate: 1 }, holdout: { n: 1, converted: 0, rate: 0 }, lift: 1, conversionDays: 14 });
  t.like(mgr.bySegment[0], { segment: 'important_retain', label: '重要挽留客户', lift: 1 });
  // One person per arm: the lift comes with Newcombe's interval, which says nothing can be told yet.
  t.like(mgr, { ci95: { low: -0.1221, high: 1 }, verdict: 'unclear', note: '样本太少，尚不能判断' });
  t.like(mgr.bySegment[0], { ci95: { low: -0.1221, high: 1 }, verdict: 'unclear', note: '样本太少，尚不能判断' });
  const hq = (await w.as('hq', 'GET', '/reports/reactivation')).json;
  t.like(hq, { treated: { n: 2, converted: 1, rate: 0.5 }, holdout: { n: 1 }, lift: 0.5 });
  t.like((await w.as('rep1b', 'GET', '/reports/reactivation?runId=7')).json, { treated: { n: 0, rate: null }, holdout: { n: 1 }, lift: null, ci95: null, verdict: 'no_data' });
});

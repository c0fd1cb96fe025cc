import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { loginAs, mp, saveStaff } from '../support/mp.js';
import { SqlOutboxRepo } from '../../src/persistence/outbox.repo.js';

const MIN = 60_000;
const DAY = 86_400_000;
// 2026-01-01 10:00 Asia/Shanghai: inside the sending window.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);

async function setup(t: ExecutionContext, o: { bot?: boolean; owner?: string } = {}) {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  await siyu.journeys.service.ensureDefaults();
  const [id] = await siyu.db('customers').insert({ name: '小李', stage: 'new', gender: 0, opted_out: false, owner_userid: o.owner ?? 'rep001', created_at: T0, updated_at: T0 });
  const customerId = Number(id);
  if (o.bot !== false) await siyu.db('customer_identities').insert({ customer_id: customerId, kind: 'bot_contact', scope: siyu.config.bot.account, value: `wxid_${customerId}`, created_at: T0 });
  return { siyu, clock, customerId };
}

async function order(siyu: Siyu, customerId: number, no: string, at: number) {
  const [id] = await siyu.db('orders').insert({ customer_id: customerId, source: 'admin', order_no: no, amount_fen: 9900, paid_at: at, items: '[]', created_at: at });
  return Number(id);
}

const touches = (siyu: Siyu, customerId: number) => siyu.db('touches').where({ customer_id: customerId }).orderBy('step_index');
const outboxTexts = async (siyu: Siyu, customerId: number) => (await siyu.db('outbox').where({ customer_id: customerId }).orderBy('id')).map((r) => r.text as string);

async function advanceTo(clock: ManualClock, siyu: Siyu, at: number) {
  clock.set(at);
  return siyu.journeys.engine.tick();
}

test('the post-purchase journey end to end: thanks with a coupon after 10 min, tips on day 3, NPS on day 7, a reminder on day 30', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const orderId = await order(siyu, customerId, 'A1', T0);
  t.is(await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: `order:${orderId}`, at: T0 }), 1);
  t.is(await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: `order:${orderId}`, at: T0 }), 0, 'the same order enters once');

  await advanceTo(clock, siyu, T0);
  t.deepEqual(await outboxTexts(siyu, customerId), [], 'nothing before the 10 minutes');
  await advanceTo(clock, siyu, T0 + 10 * MIN);
  let texts = await outboxTexts(siyu, customerId);
  t.is(texts.length, 1);
  t.regex(texts[0]!, /感谢小李的购买！.*券码 [A-Z0-9]{10}/);

  await advanceTo(clock, siyu, T0 + 3 * DAY);
  t.is((await outboxTexts(siyu, customerId)).length, 2);
  t.regex((await outboxTexts(siyu, customerId))[1]!, /使用小贴士/);

  await advanceTo(clock, siyu, T0 + 7 * DAY);
  texts = await outboxTexts(siyu, customerId);
  t.is(texts.length, 3);
  t.regex(texts[2]!, /0 到 10/);
  const conv = await siyu.db('conversations').where({ customer_id: customerId }).first();
  t.is(conv.pending_question, 'nps');

  await advanceTo(clock, siyu, T0 + 30 * DAY);
  texts = await outboxTexts(siyu, customerId);
  t.is(texts.length, 4);
  t.regex(texts[3]!, /快一个月了/);
  const run = await siyu.db('journey_runs').where({ customer_id: customerId }).first();
  t.is(run.status, 'completed');
  const all = await touches(siyu, customerId);
  t.deepEqual(all.map((x) => [x.kind, x.status, x.channel]), [
    ['message', 'sent', 'bot'],
    ['message', 'sent', 'bot'],
    ['question', 'sent', 'bot'],
    ['message', 'sent', 'bot'],
  ]);

  const stats = (await admin(siyu).get(`/api/journeys/${run.journey_id}`)).json.stats;
  t.is(stats.touches_sent, 4);
  t.is(stats.runs_completed, 1);
});

test('a second purchase ends the post-purchase journey at its branch; a reactivation goal reached skips what is left', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const first = await order(siyu, customerId, 'B1', T0);
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: `order:${first}`, at: T0 });
  for (const d of [0, 1, 3, 7]) await advanceTo(clock, siyu, T0 + d * DAY + 10 * MIN);
  await order(siyu, customerId, 'B2', T0 + 20 * DAY);
  await advanceTo(clock, siyu, T0 + 30 * DAY);
  const texts = await outboxTexts(siyu, customerId);
  t.false(texts.some((x) => /快一个月了/.test(x)), 'no repurchase reminder after buying again');

  // Reactivation: the goal (an order within 14 days) ends the run; its pending touch is skipped.
  const start = T0 + 40 * DAY + 2 * 3600_000;
  clock.set(start);
  await siyu.journeys.service.trigger({ trigger: 'dormant', customerId, storeId: null, ref: 'run:1', at: start });
  // The message is created but the customer buys before the dispatcher gets to it.
  await siyu.journeys.engine.advanceDue({ runsAdvanced: 0, touchesCreated: 0, sent: 0, skipped: 0, deferred: 0, failed: 0 });
  await order(siyu, customerId, 'B3', start + MIN);
  clock.set(start + 2 * MIN);
  const reactivation = await siyu.db('journeys').where({ key: 'reactivation' }).first();
  await siyu.journeys.engine.tick();
  const run = await siyu.db('journey_runs').where({ journey_id: reactivation.id, customer_id: customerId }).first();
  t.is(run.status, 'goal_reached');
  const touch = await siyu.db('touches').where({ journey_id: reactivation.id, customer_id: customerId }).first();
  t.is(touch.status, 'skipped');
  t.is(touch.skip_reason, 'goal_reached');
});

test('quiet hours defer a touch to 09:00; the daily cap skips a second marketing touch with its reason', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const j = (await admin(siyu).post('/api/journeys', {
    name: '测试',
    trigger: 'tag_added',
    triggerArg: '试用',
    steps: [
      { type: 'send', text: '第一条' },
      { type: 'send', text: '第二条' },
    ],
  })).json;
  // 22:30 Asia/Shanghai.
  const late = Date.UTC(2026, 0, 1, 14, 30);
  clock.set(late);
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: '试用', customerId, storeId: null, ref: 'tag:1', at: late });
  const c1 = await siyu.journeys.engine.tick();
  t.is(c1.deferred, 2);
  let rows = await siyu.db('touches').where({ journey_id: j.id }).orderBy('step_index');
  t.is(Number(rows[0].due_at), Date.UTC(2026, 0, 2, 1, 0), 'due again at 09:00 the next morning');
  t.is(rows[0].deferrals, 1);
  t.deepEqual(await outboxTexts(siyu, customerId), []);

  clock.set(Date.UTC(2026, 0, 2, 1, 0));
  const c2 = await siyu.journeys.engine.tick();
  t.is(c2.sent, 1);
  t.is(c2.skipped, 1);
  rows = await siyu.db('touches').where({ journey_id: j.id }).orderBy('step_index');
  t.deepEqual(rows.map((r) => [r.status, r.skip_reason]), [
    ['sent', null],
    ['skipped', 'frequency_cap'],
  ]);
});

test('opt-out mid-journey: the next marketing touch is skipped, a task for the rep still happens', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const j = (await admin(siyu).post('/api/journeys', {
    name: '退订测试',
    trigger: 'tag_added',
    triggerArg: 'x',
    steps: [{ type: 'send', text: '一' }, { type: 'wait', days: 2 }, { type: 'send', text: '二' }, { type: 'task', title: '回访' }],
  })).json;
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'x', customerId, storeId: null, ref: 'r', at: T0 });
  await advanceTo(clock, siyu, T0);
  await siyu.db('customers').where({ id: customerId }).update({ opted_out: true });
  await advanceTo(clock, siyu, T0 + 2 * DAY);
  const rows = await siyu.db('touches').where({ journey_id: j.id }).orderBy('step_index');
  t.deepEqual(rows.map((r) => [r.kind, r.status, r.skip_reason]), [
    ['message', 'sent', null],
    ['message', 'skipped', 'opted_out'],
    ['task', 'sent', null],
  ]);
  t.deepEqual(await outboxTexts(siyu, customerId), ['一']);
  const tasks = await siyu.db('tasks').where({ customer_id: customerId });
  t.is(tasks.length, 1);
  t.is(tasks[0].staff_userid, 'rep001');
});

test('without a bot chat the touch becomes a task for the owner rep; invalid journeys are refused in Chinese', async (t) => {
  const { siyu, clock, customerId } = await setup(t, { bot: false });
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: 'order:9', at: T0 });
  await advanceTo(clock, siyu, T0 + 10 * MIN);
  const touch = await siyu.db('touches').where({ customer_id: customerId }).first();
  t.is(touch.channel, 'task');
  const task = await siyu.db('tasks').where({ customer_id: customerId }).first();
  t.regex(task.title, /请联系客户小李/);

  const bad = await admin(siyu).post('/api/journeys', { name: '坏的', trigger: 'order_paid', steps: [{ type: 'branch', if: { kind: 'replied' }, then: 5, else: 'end' }] });
  t.is(bad.status, 400);
  t.regex(bad.json.error.message, /分支跳转的步骤不存在/);
  t.is(Number((await siyu.db('journeys').count({ n: '*' }).first())!.n), 3, 'only the three shipped journeys');
});

test('two dispatchers racing, and one that dies after claiming: every touch is delivered exactly once', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  // Twenty customers enter a one-step journey; two engines tick at once.
  await admin(siyu).post('/api/journeys', { name: '并发', trigger: 'tag_added', triggerArg: 'race', steps: [{ type: 'send', text: '你好', marketing: false }] });
  const ids = [customerId];
  for (let i = 0; i < 19; i++) {
    const [id] = await siyu.db('customers').insert({ name: `客${i}`, stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', created_at: T0, updated_at: T0 });
    await siyu.db('customer_identities').insert({ customer_id: Number(id), kind: 'bot_contact', scope: siyu.config.bot.account, value: `wxid_r${id}`, created_at: T0 });
    ids.push(Number(id));
  }
  for (const id of ids) await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'race', customerId: id, storeId: null, ref: 'race', at: T0 });
  const a = siyu.journeys.makeEngine('engine-a');
  const b = siyu.journeys.makeEngine('engine-b');
  await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
  const rows = await siyu.db('outbox').whereIn('customer_id', ids);
  t.is(rows.length, 20);
  t.is(new Set(rows.map((r) => r.customer_id)).size, 20);

  // A dispatcher claims a due touch and dies: nobody else sends it until the lease runs out.
  // (A day later: outside an order journey the step is marketing, so the daily cap counts it.)
  clock.advance(DAY);
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'race', customerId, storeId: null, ref: 'race-2', at: clock.now() });
  const dead = siyu.journeys.makeEngine('engine-dead');
  await dead.advanceDue({ runsAdvanced: 0, touchesCreated: 0, sent: 0, skipped: 0, deferred: 0, failed: 0 });
  const claimed = await siyu.journeys.store.claimDueTouches('engine-dead', clock.now(), clock.now() + siyu.config.journeys.leaseMs, 10);
  t.is(claimed.length, 1);
  await b.tick();
  t.is((await siyu.db('outbox').where({ customer_id: customerId })).length, 1, 'still leased to the dead one');
  clock.advance(siyu.config.journeys.leaseMs + 1);
  await b.tick();
  await a.tick();
  t.is((await siyu.db('outbox').where({ customer_id: customerId })).length, 2, 'taken over once the lease ran out, sent once');
});

test('an order recorded by an operator starts the post-purchase journey; a CSV import of history does not', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const res = await admin(siyu).post('/api/orders', { customerId, amountFen: 12800, orderNo: 'OP-1', paidAt: new Date(T0).toISOString() });
  t.is(res.status, 201, res.text);
  await advanceTo(clock, siyu, T0 + 10 * MIN);
  t.regex((await outboxTexts(siyu, customerId))[0] ?? '', /感谢小李的购买/);
  const runs = await siyu.db('journey_runs').where({ customer_id: customerId });
  t.is(runs.length, 1);
  t.is(runs[0].trigger_ref, `order:${res.json.order?.id ?? res.json.id}`);

  const csv = 'order_no,paid_at,amount_yuan,phone,name,store_id,source\nH-1,2025-12-01T10:00:00+08:00,88.00,13800001111,老王,,\n';
  const imported = await admin(siyu).call('POST', '/api/orders/import?dryRun=false', csv, { 'content-type': 'text/csv' });
  t.is(imported.status, 200, imported.text);
  t.is(imported.json.created, 1);
  t.is(Number((await siyu.db('journey_runs').count({ n: '*' }).first())!.n), 1, 'history does not enter journeys');
});

test('a customer who adds a rep through a channel enters the contact_added journeys', async (t) => {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  const j = (await admin(siyu).post('/api/journeys', { name: '加微欢迎跟进', trigger: 'contact_added', steps: [{ type: 'wait', days: 1, at: '10:00' }, { type: 'task', title: '新客户：一天后电话问候' }] })).json;
  const ch = (await admin(siyu).post('/api/channels', { name: '电梯-1', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] })).json;
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '新客' });
  t.truthy(scan);
  await siyu.processor.drain();
  const customerId = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;
  const runs = await siyu.db('journey_runs').where({ journey_id: j.id });
  t.is(runs.length, 1);
  t.is(Number(runs[0].customer_id), customerId);
  await advanceTo(clock, siyu, T0 + 86_400_000);
  const task = await siyu.db('tasks').where({ customer_id: customerId }).first();
  t.is(task?.title, '新客户：一天后电话问候');
});

test('tag_added and segment_entered journeys pick up new tag rows and segment changes once', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const tagJ = (await admin(siyu).post('/api/journeys', { name: '试用跟进', trigger: 'tag_added', triggerArg: '试用装', steps: [{ type: 'task', title: '问问试用感受' }] })).json;
  const segJ = (await admin(siyu).post('/api/journeys', { name: '升级关怀', trigger: 'segment_entered', triggerArg: 'important_value', steps: [{ type: 'task', title: '重要价值客户：送感谢礼' }] })).json;
  const [tagId] = await siyu.db('tags').insert({ group_name: '兴趣', name: '试用装', kind: 'attribute', created_at: T0 });
  await siyu.db('customer_tags').insert({ customer_id: customerId, tag_id: Number(tagId), source: 'test', created_at: T0 + 1000 });
  await siyu.db('rfm_history').insert({ run_id: 1, customer_id: customerId, store_id: 1, from_segment: 'general_value', to_segment: 'important_value' });
  clock.advance(2000);
  t.is(await siyu.journeys.service.scanTriggers(), 2);
  t.is(await siyu.journeys.service.scanTriggers(), 0, 'nothing new');
  const runs = await siyu.db('journey_runs').whereIn('journey_id', [tagJ.id, segJ.id]);
  t.deepEqual(runs.map((r) => Number(r.customer_id)), [customerId, customerId]);
});

test("a store's own quiet hours replace the default for its customers", async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const [storeId] = await siyu.db('stores').insert({ code: 'late', name: '夜店', quiet_from: '02:00', quiet_to: '10:00', created_at: 1 });
  await siyu.db('customers').where({ id: customerId }).update({ store_id: Number(storeId) });
  await admin(siyu).post('/api/journeys', { name: '夜间', trigger: 'tag_added', triggerArg: 'n', steps: [{ type: 'send', text: '晚上好', marketing: false }] });
  // 22:30 Asia/Shanghai: quiet by default, not for this store.
  clock.set(Date.UTC(2026, 0, 1, 14, 30));
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'n', customerId, storeId: Number(storeId), ref: 'n1', at: clock.now() });
  const c = await siyu.journeys.engine.tick();
  t.is(c.sent, 1);
  t.is(c.deferred, 0);
});

test('disabling a journey stops its runs and skips the touches it had queued', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const j = (await admin(siyu).post('/api/journeys', { name: '停用', trigger: 'tag_added', triggerArg: 's', steps: [{ type: 'send', text: '一', marketing: false }, { type: 'wait', days: 1 }, { type: 'send', text: '二', marketing: false }] })).json;
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 's', customerId, storeId: null, ref: 's1', at: T0 });
  await siyu.journeys.engine.advanceDue({ runsAdvanced: 0, touchesCreated: 0, sent: 0, skipped: 0, deferred: 0, failed: 0 });
  t.is((await admin(siyu).post(`/api/journeys/${j.id}/disable`)).status, 200);
  clock.advance(10_000);
  await siyu.journeys.engine.tick();
  const touch = await siyu.db('touches').where({ journey_id: j.id }).first();
  t.is(touch.skip_reason, 'journey_disabled');
  // The run waits out its step, then ends instead of going on.
  clock.advance(DAY);
  await siyu.journeys.engine.tick();
  const run = await siyu.db('journey_runs').where({ journey_id: j.id }).first();
  t.is(run.status, 'exited');
  t.is(run.exit_reason, 'journey_disabled');
  t.deepEqual(await outboxTexts(siyu, customerId), []);
});

test('a journey coupon is recorded in coupon_claims when it goes out, with the code the message carries', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const orderId = await order(siyu, customerId, 'C1', T0);
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: `order:${orderId}`, at: T0 });
  t.is(Number((await siyu.db('coupon_claims').count({ n: '*' }).first())!.n), 0, 'nothing is claimed before the touch goes out');
  await advanceTo(clock, siyu, T0 + 10 * MIN);
  const claims = await siyu.db('coupon_claims').where({ customer_id: customerId });
  t.is(claims.length, 1);
  t.is(claims[0].channel_id, null);
  t.regex(claims[0].offer_key, /^journey:\d+:/);
  const [text] = await outboxTexts(siyu, customerId);
  t.true(text!.includes(`券码 ${claims[0].code}`), text);

  await advanceTo(clock, siyu, T0 + 3 * 86_400_000);
  t.is((await siyu.db('coupon_claims').where({ customer_id: customerId })).length, 1, 'later touches without a coupon claim nothing');
});

test("the fall-back tasks' titles come from the template book, so an operator's text replaces the default", async (t) => {
  const { siyu, clock, customerId } = await setup(t, { bot: false });
  const api = admin(siyu);
  t.is((await api.call('PUT', '/api/bot/templates/task.journey.message', { text: '跟进{customer}，转达：{text}' })).status, 200);
  t.is((await api.call('PUT', '/api/bot/templates/task.journey.nps', { text: '问问{customer}打几分' })).status, 200);
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: 'order:11', at: T0 });
  await advanceTo(clock, siyu, T0 + 10 * MIN);
  await advanceTo(clock, siyu, T0 + 3 * 86_400_000);
  await advanceTo(clock, siyu, T0 + 7 * 86_400_000);
  const titles = (await siyu.db('tasks').where({ customer_id: customerId }).orderBy('id')).map((r) => r.title as string);
  t.is(titles.length, 3);
  t.regex(titles[0]!, /^跟进小李，转达：感谢小李的购买！/);
  t.regex(titles[1]!, /^跟进小李，转达：.*使用小贴士/);
  t.is(titles[2], '问问小李打几分');
});

test('a bulk tagging (many rows, one timestamp) enters every customer once, across scan pages', async (t) => {
  const { siyu, clock } = await setup(t);
  const res = await admin(siyu).post('/api/journeys', { name: '批量标签', trigger: 'tag_added', triggerArg: '批量', steps: [{ type: 'task', title: '回访 {name}' }] });
  t.is(res.status, 201, res.text);
  const journeyId = res.json.id as number;
  clock.advance(MIN);
  const [tagId] = await siyu.db('tags').insert({ group_name: '活动', name: '批量', kind: 'attribute', created_at: clock.now() });
  const ids: number[] = [];
  for (let i = 0; i < 7; i++) {
    const [id] = await siyu.db('customers').insert({ name: `批${i}`, stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', created_at: T0, updated_at: T0 });
    ids.push(Number(id));
  }
  // One statement, one timestamp: what a bulk tag operation writes.
  await siyu.db('customer_tags').insert(ids.map((id) => ({ customer_id: id, tag_id: Number(tagId), source: 'manual', created_at: clock.now() })));
  // Pages of 3: the old created_at-only cursor read the first page and skipped the other four.
  let entered = 0;
  for (let i = 0; i < 5; i++) entered += await siyu.journeys.service.scanTriggers(3);
  t.is(entered, 7);
  const runs = await siyu.db('journey_runs').where({ journey_id: journeyId }).select('customer_id');
  t.deepEqual(runs.map((r) => Number(r.customer_id)).sort((a, b) => a - b), ids);
  // A tag row written later at the same millisecond is still found.
  const [late] = await siyu.db('customers').insert({ name: '晚到', stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', created_at: T0, updated_at: T0 });
  await siyu.db('customer_tags').insert({ customer_id: Number(late), tag_id: Number(tagId), source: 'manual', created_at: clock.now() });
  t.is(await siyu.journeys.service.scanTriggers(3), 1);
  t.is(await siyu.journeys.service.scanTriggers(3), 0);
});

test('a delivered NPS question counts as delivered in the journey stats and the mini-program report, and its answer is tied to the touch', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const j = (await admin(siyu).post('/api/journeys', { name: '满意度', trigger: 'tag_added', triggerArg: 'nps', steps: [{ type: 'ask', question: 'nps' }] })).json;
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'nps', customerId, storeId: null, ref: 'n1', at: T0 });
  t.like(await siyu.journeys.engine.tick(), { sent: 1 });
  const touch = await siyu.db('touches').where({ journey_id: j.id }).first();
  const [row, ...more] = await siyu.db('outbox').where({ customer_id: customerId });
  t.is(more.length, 0);
  t.regex(row.text, /0 到 10/);
  t.is(row.dedupe_key, `touch:${touch.idem_key}`, 'the question goes out under the touch key, like a journey message');
  t.is(touch.ref, `outbox:${row.dedupe_key}`);
  const conv = await siyu.db('conversations').where({ customer_id: customerId }).first();
  t.is(conv.pending_ref, `touch:${touch.idem_key}`, 'the answer will be recorded against the touch');

  const stats = async () => (await admin(siyu).get(`/api/journeys/${j.id}`)).json.stats;
  t.is((await stats()).delivered, 0, 'queued is not delivered');

  // What the bot's drain does once the message is out.
  const outbox = new SqlOutboxRepo(siyu.db);
  const claimed = await outbox.claimDue(siyu.config.bot.account, 'test-drain', clock.now(), clock.now() + MIN, 10);
  t.deepEqual(claimed.map((m) => m.id), [Number(row.id)]);
  t.true(await outbox.markSent(Number(row.id), 'test-drain', clock.now()));
  t.is((await stats()).delivered, 1);

  await saveStaff(siyu, { wecomUserId: 'hq-nps', role: 'hq_admin', storeId: null });
  const { accessToken } = await loginAs(siyu, 'hq-nps');
  const report = await mp(siyu)('GET', `/reports/journeys?from=2026-01-01&to=2026-01-01`, { token: accessToken });
  t.is(report.status, 200, JSON.stringify(report.json));
  const mine = (report.json.rows as Array<{ journeyId: number; delivered: number; sent: number }>).find((x) => x.journeyId === j.id);
  t.like(mine, { sent: 1, delivered: 1 });
});

test('an operator-set opt-out stops every journey message an author marked non-marketing, except order notices of an order journey; each step says so', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const api = admin(siyu);
  const promo = (await api.post('/api/journeys', { name: '加微后', trigger: 'tag_added', triggerArg: 'y', steps: [{ type: 'send', text: '新品上架', marketing: false }, { type: 'task', title: '回访' }] })).json;
  const notice = (await api.post('/api/journeys', { name: '订单通知', trigger: 'order_paid', steps: [{ type: 'send', text: '您的订单已发货', marketing: false }, { type: 'send', text: '再来一单' }] })).json;
  t.deepEqual(promo.steps.map((s: { messageClass: string | null; optedOutReceives: boolean | null }) => [s.messageClass, s.optedOutReceives]), [['marketing', false], [null, null]]);
  t.deepEqual(notice.steps.map((s: { messageClass: string | null; optedOutReceives: boolean | null }) => [s.messageClass, s.optedOutReceives]), [['order_notice', true], ['marketing', false]]);

  const set = await api.post(`/api/customers/${customerId}/opt-out`, { optedOut: true, reason: '客户电话告知不要再发消息' });
  t.is(set.status, 200, set.text);
  t.deepEqual(set.json, { customerId, optedOut: true, changed: true });
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'y', customerId, storeId: null, ref: 'r', at: T0 });
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: 'order:1', at: T0 });
  await advanceTo(clock, siyu, T0);
  const rows = async (id: number) => (await siyu.db('touches').where({ journey_id: id }).orderBy('step_index')).map((r) => [r.kind, r.status, r.skip_reason]);
  t.deepEqual(await rows(promo.id), [['message', 'skipped', 'opted_out'], ['task', 'sent', null]]);
  t.deepEqual(await rows(notice.id), [['message', 'sent', null], ['message', 'skipped', 'opted_out']]);
  t.deepEqual(await outboxTexts(siyu, customerId), ['您的订单已发货']);

  // Cleared, with a reason: both on the timeline and in the audit log, by the admin key.
  t.is((await api.post(`/api/customers/${customerId}/opt-out`, { optedOut: false })).status, 400, 'a reason is required');
  t.is((await api.post(`/api/customers/${customerId}/opt-out`, { optedOut: false, reason: '客户到店要求恢复' })).json.changed, true);
  const audit = (await siyu.db('audit_log').orderBy('id')).map((r) => [r.action, Number(r.staff_id), JSON.parse(r.detail).reason]);
  t.deepEqual(audit, [['customer.opt_out', 0, '客户电话告知不要再发消息'], ['customer.opt_in', 0, '客户到店要求恢复']]);
  const timeline = (await siyu.db('customer_events').where({ customer_id: customerId }).whereIn('kind', ['opted_out', 'opted_in']).orderBy('id')).map((r) => [r.kind, JSON.parse(r.data).via]);
  t.deepEqual(timeline, [['opted_out', 'operator'], ['opted_in', 'operator']]);
});

test('in the mini-program any role sets 退订 within its scope, audited with who did it', async (t) => {
  const { siyu, customerId } = await setup(t);
  const store = (await siyu.stores.create({ code: 'oo', name: 'oo店', quietHours: null, dormantDays: null })).id;
  const other = (await siyu.stores.create({ code: 'op', name: 'op店', quietHours: null, dormantDays: null })).id;
  await siyu.db('customers').where({ id: customerId }).update({ store_id: store, owner_userid: 'rep001' });
  for (const [u, role, storeId] of [['rep001', 'rep', store], ['rep002', 'rep', store], ['mgrx', 'store_manager', other]] as const) {
    siyu.emulator!.addEmployee(u, { name: u });
    await saveStaff(siyu, { wecomUserId: u, role, storeId });
  }
  const call = mp(siyu);
  const as = async (u: string) => (await loginAs(siyu, u)).accessToken;
  const body = { optedOut: true, reason: '客户当面要求' };
  for (const u of ['rep002', 'mgrx']) t.is((await call('POST', `/customers/${customerId}/opt-out`, { token: await as(u), body })).status, 404, u);
  t.is(await siyu.db('audit_log').count({ n: '*' }).then((r) => Number(r[0]!.n)), 0);
  const ok = await call('POST', `/customers/${customerId}/opt-out`, { token: await as('rep001'), body });
  t.is(ok.status, 200, JSON.stringify(ok.json));
  t.true(!!(await siyu.db('customers').where({ id: customerId }).first()).opted_out);
  const row = await siyu.db('audit_log').first();
  t.is(row.action, 'customer.opt_out');
  t.is(JSON.parse(row.detail).actor, 'staff:rep001');
});

test('a journey tag step reads 组:名 like everywhere else, removes only its own group, writes the timeline, and an operator can remove its tags', async (t) => {
  const { siyu, clock, customerId } = await setup(t);
  const api = admin(siyu);
  const refused = await api.post('/api/journeys', { name: '坏标签', trigger: 'tag_added', triggerArg: 'x', steps: [{ type: 'tag', add: ['客户行为:已购买'] }] });
  t.is(refused.status, 400);
  t.regex(refused.json.error.message, /行为标签/);
  // The customer already carries a placement tag 电梯/A and a journey tag 旅程标签/A.
  for (const [group, name] of [['电梯', 'A'], ['旅程标签', 'A']] as const) {
    const [tagId] = await siyu.db('tags').insert({ group_name: group, name, kind: 'attribute', created_at: T0 });
    await siyu.db('customer_tags').insert({ customer_id: customerId, tag_id: Number(tagId), source: 'test', created_at: T0 });
  }
  const j = await api.post('/api/journeys', { name: '兴趣标记', trigger: 'tag_added', triggerArg: 'interest', steps: [{ type: 'tag', add: ['兴趣:手机', '高意向'], remove: ['A'] }] });
  t.is(j.status, 201, JSON.stringify(j.json));
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'interest', customerId, storeId: null, ref: 'i1', at: T0 });
  await advanceTo(clock, siyu, T0);

  const tags = await siyu.db('tags as t').join('customer_tags as ct', 'ct.tag_id', 't.id').where('ct.customer_id', customerId).orderBy(['t.group_name', 't.name']).select('t.group_name', 't.name', 't.kind');
  t.deepEqual(tags.map((r: { group_name: string; name: string; kind: string }) => `${r.group_name}/${r.name}/${r.kind}`).sort(), ['兴趣/手机/attribute', '旅程标签/高意向/attribute', '电梯/A/attribute'].sort());
  const timeline = await siyu.db('customer_events').where({ customer_id: customerId }).whereIn('kind', ['tags_added', 'tags_removed']).orderBy('id');
  t.deepEqual(timeline.map((e: { kind: string; data: string }) => [e.kind, JSON.parse(e.data)]), [
    ['tags_added', { tags: ['兴趣/手机', '旅程标签/高意向'], by: 'journey', journeyId: j.json.id }],
    ['tags_removed', { tags: ['旅程标签/A'], by: 'journey', journeyId: j.json.id }],
  ]);

  // A store operator can take a journey's tag off again.
  await saveStaff(siyu, { wecomUserId: 'hq-tags', role: 'hq_admin', storeId: null });
  const { accessToken } = await loginAs(siyu, 'hq-tags');
  const removed = await mp(siyu)('PATCH', `/customers/${customerId}`, { token: accessToken, body: { tags: { remove: ['兴趣:手机'] } } });
  t.is(removed.status, 200, JSON.stringify(removed.json));
  t.false(removed.json.tags.some((x: { group: string; name: string }) => x.group === '兴趣' && x.name === '手机'));
});

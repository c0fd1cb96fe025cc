import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { addStore, loginAs, mp, saveStaff } from '../support/mp.js';

const b = `[${backendName}]`;
const MIN = 60_000;
// 2026-01-01 10:00 Asia/Shanghai: inside the sending window.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);

const timeline = async (siyu: Siyu, customerId: number) =>
  (await siyu.db('customer_events').where({ customer_id: customerId }).orderBy('id')).map((r) => ({ kind: r.kind as string, data: JSON.parse(r.data) }));

async function start(t: ExecutionContext) {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  await siyu.journeys.service.ensureDefaults();
  return { siyu, clock };
}

test(`${b} a journey touch sent as a WeCom mass message, with its coupon, is on the customer's timeline`, async (t) => {
  const { siyu, clock } = await start(t);
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台-1', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] })).json;
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '小周' });
  await siyu.processor.drain();
  const customerId = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: 'order:1', at: T0 });
  clock.set(T0 + 10 * MIN);
  await siyu.journeys.engine.tick();
  const touch = await siyu.db('touches').where({ customer_id: customerId, channel: 'template' }).first();
  t.truthy(touch, 'the touch went out as a mass message');
  const claim = await siyu.db('coupon_claims').where({ customer_id: customerId }).first();
  const rows = await timeline(siyu, customerId);
  const sent = rows.find((r) => r.kind === 'touch_sent');
  t.like(sent?.data, { via: 'journey', channel: 'template', awaitingRep: true, journeyId: touch.journey_id, touchId: touch.id, ref: touch.ref });
  t.regex(sent?.data.text, new RegExp(`券码 ${claim.code}`));
  t.like(rows.find((r) => r.kind === 'coupon_given')?.data, { via: 'journey', code: claim.code, touchId: touch.id });

  await siyu.journeys.engine.tick();
  t.is((await timeline(siyu, customerId)).filter((r) => r.kind === 'touch_sent').length, 1, 'a later tick writes nothing again');
});

test(`${b} a journey task and its outcome (mini-program or rep command), and a journey tag step, are on the timeline`, async (t) => {
  const { siyu, clock } = await start(t);
  const storeId = await addStore(siyu, 's1');
  await saveStaff(siyu, { wecomUserId: 'rep001', role: 'rep', storeId });
  const [id] = await siyu.db('customers').insert({ name: '小吴', store_id: storeId, stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', created_at: T0, updated_at: T0 });
  const customerId = Number(id);
  const j = (await admin(siyu).post('/api/journeys', {
    name: '回访',
    trigger: 'tag_added',
    triggerArg: '试用',
    steps: [
      { type: 'tag', add: ['回访中'] },
      { type: 'task', title: '回访{name}' },
      { type: 'task', title: '再访{name}' },
    ],
  })).json;
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: '试用', customerId, storeId, ref: 'tag:1', at: T0 });
  clock.set(T0 + MIN);
  await siyu.journeys.engine.tick();
  const tasks = await siyu.db('tasks').where({ customer_id: customerId }).orderBy('id');
  t.is(tasks.length, 2);

  let rows = await timeline(siyu, customerId);
  t.like(rows.find((r) => r.kind === 'tags_added')?.data, { by: 'journey', journeyId: j.id, tags: ['旅程标签/回访中'] });
  const taskRows = rows.filter((r) => r.kind === 'touch_sent');
  t.deepEqual(taskRows.map((r) => [r.data.channel, r.data.summary]), [
    ['task', '回访小吴'],
    ['task', '再访小吴'],
  ]);

  // Closed in the mini-program…
  const { accessToken } = await loginAs(siyu, 'rep001');
  const done = await mp(siyu)('POST', `/tasks/${tasks[0].id}/complete`, { token: accessToken, body: { outcome: '已电话联系，下周到店' } });
  t.is(done.status, 200);
  // …and through the bot's rep command.
  await siyu.bot.conversations.reps.handle({ userId: 'rep001', name: 'rep001', storeId, role: 'rep' }, {
    id: 'm1', account: siyu.config.bot.account, conversation: { kind: 'dm', contactId: 'wxid_rep001' }, talker: { id: 'wxid_rep001', name: 'rep001', coworker: true },
    text: `完成 ${tasks[1].id} 没接电话`, kind: 'text', mentionsBot: false, sentAt: T0 + 2 * MIN,
  });
  rows = await timeline(siyu, customerId);
  t.deepEqual(rows.filter((r) => r.kind === 'task_done').map((r) => [r.data.taskId, r.data.outcome]), [
    [tasks[0].id, '已电话联系，下周到店'],
    [tasks[1].id, '没接电话'],
  ]);
});

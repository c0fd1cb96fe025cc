import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const MIN = 60_000;
// 2026-01-01 10:00 Asia/Shanghai: inside the sending window.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);

/** A customer who added rep001 through a channel and has no bot chat: journey messages go as WeCom templates. */
async function customerOfRep(siyu: Siyu, configId: string, name: string) {
  const scan = await siyu.emulator!.customerScans(configId, { name });
  await siyu.processor.drain();
  return { customerId: (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!, externalUserId: scan.externalUserId };
}

test(`${b} template touches stay awaiting until the rep confirms, then read back as delivered or failed, and the journey stats count them`, async (t) => {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  await siyu.journeys.service.ensureDefaults();
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台-1', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] })).json;
  const stays = await customerOfRep(siyu, ch.configId, '留下');
  const leaves = await customerOfRep(siyu, ch.configId, '离开');
  for (const c of [stays, leaves]) {
    await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId: c.customerId, storeId: null, ref: `order:${c.customerId}`, at: T0 });
  }
  clock.set(T0 + 10 * MIN);
  await siyu.journeys.engine.tick();
  const touchOf = (customerId: number) => siyu.db('touches').where({ customer_id: customerId, channel: 'template' }).first();
  const first = await touchOf(stays.customerId);
  t.is(first.status, 'sent');
  t.is(first.delivery, 'awaiting');
  t.regex(first.ref, /^msg:/);

  // Nobody confirmed yet: asked, still awaiting, and not asked again within the recheck interval.
  t.like(await siyu.journeys.pollMassMessageResults(), { checked: 2, awaiting: 2, delivered: 0, failed: 0 });
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/get_groupmsg_task').length, 2);
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/get_groupmsg_send_result').length, 0, 'no send result is read before the rep confirms');
  t.like(await siyu.journeys.pollMassMessageResults(), { checked: 0 });

  // The second customer removes the rep before the rep confirms both tasks in WeCom.
  siyu.emulator!.removeRelationship('rep001', leaves.externalUserId);
  for (const c of [stays, leaves]) siyu.emulator!.confirmMassTask((await touchOf(c.customerId)).ref.slice(4), 'rep001');
  clock.set(T0 + 21 * MIN);
  t.like(await siyu.journeys.pollMassMessageResults(), { checked: 2, delivered: 1, failed: 1, awaiting: 0 });
  const delivered = await touchOf(stays.customerId);
  t.is(delivered.delivery, 'delivered');
  t.truthy(delivered.delivered_at);
  const failed = await touchOf(leaves.customerId);
  t.is(failed.delivery, 'failed');
  t.is(failed.last_error, 'not_friend');

  clock.set(T0 + 40 * MIN);
  t.like(await siyu.journeys.pollMassMessageResults(), { checked: 0 }, 'settled touches are not asked about again');
  const stats = (await admin(siyu).get(`/api/journeys/${first.journey_id}`)).json.stats;
  t.is(stats.delivered, 1);
  t.is(stats.delivery_failed, 1);
  t.is(stats.delivery_awaiting, 0);
});

test(`${b} a template touch whose msgid WeCom does not know is marked failed with the errcode`, async (t) => {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  const [id] = await siyu.db('customers').insert({ name: '小王', stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', created_at: T0, updated_at: T0 });
  await siyu.db('touches').insert({ idem_key: 'manual:1', customer_id: Number(id), step_index: 0, kind: 'message', payload: '{}', marketing: true, status: 'sent', channel: 'template', ref: 'msg:unknown', delivery: 'awaiting', due_at: T0, created_at: T0, sent_at: T0 });
  t.like(await siyu.journeys.pollMassMessageResults(), { checked: 1, failed: 1 });
  const touch = await siyu.db('touches').where({ idem_key: 'manual:1' }).first();
  t.is(touch.delivery, 'failed');
  t.is(touch.last_error, 'wecom_40058');
});

import test from 'ava';
import { SqlCallbackEventRepo } from '../../src/persistence/callback-event.repo.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;

async function channel(siyu: Siyu) {
  const res = await admin(siyu).post('/api/channels', { name: '社区-幸福里', kind: 'community', staffUserIds: ['rep001'], welcomeText: '欢迎{name}', tags: ['小区:幸福里'] });
  return res.json as { id: number; code: string; configId: string };
}

/** An add event as WeCom would send it, for a customer the emulator knows. */
function addEvent(siyu: Siyu, state: string, name: string, createTime: number) {
  const em = siyu.emulator!;
  const { externalUserId } = em.addExternalUser({ name });
  em.addRelationship('rep001', externalUserId, { state, addWay: 1 });
  const welcomeCode = em.issueWelcomeCode('rep001', externalUserId);
  return {
    externalUserId,
    fields: {
      ToUserName: siyu.config.wecom.corpId,
      FromUserName: 'sys',
      CreateTime: String(createTime),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'rep001',
      ExternalUserID: externalUserId,
      State: state,
      WelcomeCode: welcomeCode,
    },
  };
}

test(`${b} events left by a process that died are taken over by the sweep once the lease runs out`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const now = siyu.clock.now();
  const ev = addEvent(siyu, ch.code, '孤儿', Math.floor(now / 1000));
  const store = new SqlCallbackEventRepo(siyu.db);
  // Written and acknowledged by a process that was killed before it processed the row.
  await store.insertEvents([{ dedupeKey: 'a'.repeat(40), kind: 'change_external_contact/add_external_contact', fields: ev.fields, receivedAt: now }], 'dead-process', now + 60_000);
  t.is(await siyu.processor.sweep(), 0, 'not taken while the lease is held');
  await siyu.db('callback_events').update({ lease_until: now - 1 });
  t.is(await siyu.processor.sweep(), 1);
  t.is(await siyu.processor.sweep(), 0, 'done rows are not taken again');
  const row = await siyu.db('callback_events').first();
  t.is(row.status, 'done');
  t.is(Number(row.attempts), 2);
  const id = await siyu.customers.findIdByExternalUserId(ev.externalUserId);
  t.truthy(id);
  t.is(siyu.emulator!.welcomes.filter((w) => w.externalUserId === ev.externalUserId).length, 1);
});

test(`${b} past the 20 s window no welcome is attempted, but the customer is recorded and tagged`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const now = siyu.clock.now();
  const ev = addEvent(siyu, ch.code, '迟到', Math.floor(now / 1000) - 30);
  const store = new SqlCallbackEventRepo(siyu.db);
  await store.insertEvents([{ dedupeKey: 'b'.repeat(40), kind: 'k', fields: ev.fields, receivedAt: now - 25_000 }], 'dead', now - 1);
  await siyu.processor.sweep();
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/send_welcome_msg').length, 0);
  const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(ev.externalUserId))!);
  t.true(view.timeline.some((e) => e.kind === 'welcome_skipped'));
  t.true(view.tags.some((x) => x.name === '已加微'));
  t.true(view.tags.some((x) => x.name === '幸福里'));
});

test(`${b} a deletion processed before its add leaves the relationship deleted`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const now = siyu.clock.now();
  const t0 = Math.floor(now / 1000) - 5;
  const add = addEvent(siyu, ch.code, '反序', t0);
  const del = { ...add.fields, ChangeType: 'del_follow_user', CreateTime: String(t0 + 2), State: undefined, WelcomeCode: undefined };
  const store = new SqlCallbackEventRepo(siyu.db);
  await store.insertEvents([{ dedupeKey: 'd'.repeat(40), kind: 'del', fields: del, receivedAt: now }], 'x', now - 1);
  await siyu.processor.sweep();
  await store.insertEvents([{ dedupeKey: 'e'.repeat(40), kind: 'add', fields: add.fields, receivedAt: now }], 'x', now - 1);
  await siyu.processor.sweep();
  const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(add.externalUserId))!);
  t.is(view.follows.length, 1);
  t.is(view.follows[0]!.status, 'deleted_by_customer');
  t.true(view.timeline.some((e) => e.kind === 'contact_added'));
  t.true(view.timeline.some((e) => e.kind === 'contact_lost'));
});

test(`${b} a database failure while processing is retried with backoff and nothing is lost`, async (t) => {
  const clock = new ManualClock(Date.now());
  const siyu = await startApp(t, { options: { clock } });
  const ch = await channel(siyu);
  // The timeline table is briefly unavailable: the event's writes fail mid-way.
  await siyu.db.schema.renameTable('customer_events', 'customer_events_away');
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '重试' });
  t.true(scan.delivered, 'the callback itself was recorded and acknowledged');
  await siyu.processor.drain();
  let row = await siyu.db('callback_events').first();
  t.is(row.status, 'pending');
  t.truthy(row.last_error);
  t.is(Number(await siyu.db('customers').count({ n: '*' }).then((r) => r[0]!.n)), 0, 'the failed transaction left no half customer');
  await siyu.db.schema.renameTable('customer_events_away', 'customer_events');
  t.is(await siyu.processor.sweep(), 0, 'not before its retry time');
  clock.advance(1_000);
  t.is(await siyu.processor.sweep(), 1);
  row = await siyu.db('callback_events').first();
  t.is(row.status, 'done');
  const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(scan.externalUserId))!);
  t.true(view.timeline.some((e) => e.kind === 'contact_added'));
  t.is(siyu.emulator!.welcomes.length, 1, 'the welcome went out once, on the first attempt');
});

test(`${b} while the inbox cannot write, callbacks answer 503 so WeCom retries, and a retry after recovery is taken`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  await siyu.db.schema.renameTable('callback_events', 'callback_events_away');
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '断库' });
  t.false(scan.delivered);
  t.true(scan.attempts.length >= 4, 'WeCom kept retrying');
  t.true(scan.attempts.every((a) => a.status === 503));
  const health = await fetch(`${siyu.url}/healthz`);
  t.is(health.status, 200, 'the process is alive and its dependencies answer');
  await siyu.db.schema.renameTable('callback_events_away', 'callback_events');
  const again = await siyu.emulator!.redeliver(scan.plaintext);
  t.true(again.delivered);
  await siyu.processor.drain();
  t.truthy(await siyu.customers.findIdByExternalUserId(scan.externalUserId));
  const metrics = await (await fetch(`${siyu.url}/metrics`)).text();
  t.regex(metrics, /siyu_wecom_callbacks_total\{outcome="store_failed"\} [4-9]/);
});

test(`${b} /healthz reports a dependency that is down with 503`, async (t) => {
  const siyu = await startApp(t);
  const ok = await fetch(`${siyu.url}/healthz`);
  t.is(ok.status, 200);
  const body = (await ok.json()) as Record<string, unknown>;
  t.is(body.db, 'up');
  t.is(body.cache, 'up');
  await siyu.db.destroy();
  const down = await fetch(`${siyu.url}/healthz`);
  t.is(down.status, 503);
  t.is(((await down.json()) as Record<string, unknown>).db, 'down');
});

import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { addStore, loginAs, mp, saveStaff } from '../support/mp.js';

const b = `[${backendName}]`;
// 2026-01-01 10:00 Asia/Shanghai.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
const DAY = 86_400_000;

async function world(t: ExecutionContext) {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  await siyu.journeys.service.ensureDefaults();
  const storeId = await addStore(siyu, 's1');
  siyu.emulator!.addEmployee('mgr001', { name: '店长' });
  await saveStaff(siyu, { wecomUserId: 'rep001', role: 'rep', storeId });
  await saveStaff(siyu, { wecomUserId: 'rep002', role: 'rep', storeId });
  await saveStaff(siyu, { wecomUserId: 'mgr001', role: 'store_manager', storeId });
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台', kind: 'counter', storeId, staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] })).json;
  const scan = async (name: string, externalUserId?: string) => {
    const s = await siyu.emulator!.customerScans(ch.configId, { name, ...(externalUserId ? { externalUserId } : {}) });
    await siyu.processor.drain();
    return { externalUserId: s.externalUserId, customerId: (await siyu.customers.findIdByExternalUserId(s.externalUserId))! };
  };
  const stage = async (id: number) => (await siyu.db('customers').where({ id }).first()).stage as string;
  const noticesTo = (userid: string) => siyu.emulator!.appMessages.filter((m) => m.userid === userid).map((m) => (m.payload as { content?: string }).content ?? '');
  return { siyu, clock, storeId, ch, scan, stage, noticesTo };
}

test(`${b} a customer who deletes their only rep becomes 流失: owner and manager are told, the mini-program lists them, win-back journeys start; adding again brings them back`, async (t) => {
  const { siyu, scan, stage, noticesTo, clock } = await world(t);
  const winBack = (await siyu.db('journeys').where({ key: 'win_back' }).first())!;
  t.falsy(winBack.enabled, 'the win-back journey ships disabled');
  t.is(winBack.trigger, 'contact_lost');
  t.is((await admin(siyu).post(`/api/journeys/${winBack.id}/enable`)).status, 200);

  const c = await scan('小林');
  t.is(await stage(c.customerId), 'lead');
  clock.advance(60_000);
  await siyu.emulator!.customerDeletes('rep001', c.externalUserId);
  await siyu.processor.drain();

  t.is(await stage(c.customerId), 'churned');
  for (const who of ['rep001', 'mgr001']) {
    const notes = noticesTo(who);
    t.is(notes.length, 1, `${who} is told once`);
    t.regex(notes[0]!, new RegExp(`客户小林（编号 ${c.customerId}）删除了导购rep001.*流失`));
  }
  t.deepEqual(noticesTo('rep002'), [], 'other reps are not told');
  const lost = await siyu.db('customer_events').where({ customer_id: c.customerId, kind: 'contact_lost' }).first();
  t.like(JSON.parse(lost.data), { stage: 'churned', stageBefore: 'lead' });
  t.truthy(await siyu.db('journey_runs').where({ journey_id: winBack.id, customer_id: c.customerId }).first(), 'the win-back journey started');

  // The manager finds them in the mini-program by the stage filter.
  const { accessToken } = await loginAs(siyu, 'mgr001');
  const list = await mp(siyu)('GET', '/customers?stage=churned', { token: accessToken });
  t.is(list.status, 200);
  t.deepEqual(list.json.items.map((x: { id: number }) => x.id), [c.customerId]);

  // WeCom delivers the same event again: nothing new.
  await siyu.processor.drain();
  t.is(noticesTo('rep001').length, 1);

  // They add the rep again: no longer lost.
  clock.advance(60_000);
  await scan('小林', c.externalUserId);
  t.is(await stage(c.customerId), 'lead');
  t.deepEqual((await mp(siyu)('GET', '/customers?stage=churned', { token: accessToken })).json.items, []);
});

test(`${b} a rep deleting a customer: the manager is told, not the rep who did it; a customer who still has another rep is not lost`, async (t) => {
  const { siyu, scan, stage, noticesTo, clock } = await world(t);
  const c = await scan('小陈');
  await siyu.db('customers').where({ id: c.customerId }).update({ order_count: 2, stage: 'repeat' });
  // A second rep has them too.
  siyu.emulator!.addRelationship('rep002', c.externalUserId);
  await siyu.emulator!.push({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'rep002', ExternalUserID: c.externalUserId });
  await siyu.processor.drain();
  clock.set(T0 + DAY);

  await siyu.emulator!.employeeDeletes('rep001', c.externalUserId);
  await siyu.processor.drain();
  t.is(await stage(c.customerId), 'repeat', 'rep002 can still reach them');
  t.deepEqual(noticesTo('mgr001'), []);

  clock.advance(60_000);
  await siyu.emulator!.employeeDeletes('rep002', c.externalUserId);
  await siyu.processor.drain();
  t.is(await stage(c.customerId), 'churned');
  t.is(noticesTo('mgr001').length, 1);
  t.regex(noticesTo('mgr001')[0]!, /导购rep002删除了客户小陈/);
  t.deepEqual(noticesTo('rep002'), [], 'the rep who deleted them is not told about it');
  t.is(noticesTo('rep001').length, 1, 'the owner rep is told');

  // Back through the channel: their purchases decide the stage again.
  clock.advance(60_000);
  await scan('小陈', c.externalUserId);
  t.is(await stage(c.customerId), 'repeat');
});

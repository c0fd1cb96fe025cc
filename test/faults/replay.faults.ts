import test from 'ava';
import { admin, startApp } from '../support/app.js';
import { backendsOrSkip, pool } from './support/suite.js';

const backends = backendsOrSkip();

if (backends) {
  test('an add-contact callback delivered twice at once and replayed 3 times is one event, one welcome, one customer', async (t) => {
    const siyu = await startApp(t);
    const em = siyu.emulator!;
    const ch = await admin(siyu).post('/api/channels', { name: '故障-重放', kind: 'elevator', staffUserIds: ['rep001', 'rep002'], welcomeText: '您好{name}' });
    t.is(ch.status, 201, ch.text);
    // Twenty customers at once, so the duplicates race each other and other customers' events.
    const scans = Array.from({ length: 20 }, (_, i) => `重放客户${i}`);
    const reports: Array<Awaited<ReturnType<typeof em.customerScans>>> = [];
    await pool(scans, 10, async (name) => void reports.push(await em.customerScans(ch.json.configId, { name }, { duplicate: 1 })));
    await pool(reports, 10, async (r) => {
      for (let i = 0; i < 3; i++) await em.redeliver(r.plaintext);
    });
    await siyu.processor.drain();

    for (const r of reports) {
      t.true(r.delivered && r.duplicates!.every((d) => d.delivered), 'every copy was acknowledged');
      t.is(em.welcomes.filter((w) => w.externalUserId === r.externalUserId).length, 1, `one welcome for ${r.externalUserId}`);
    }
    t.is(em.callsTo('/cgi-bin/externalcontact/send_welcome_msg').length, scans.length, 'welcome API called once per customer');
    // A scan is a half-add event (carrying the welcome code) and then the add itself.
    const events = await siyu.db('callback_events').select('status');
    t.is(events.length, reports.length + reports.filter((r) => r.half).length, 'one recorded event per distinct callback');
    t.true(events.every((e) => e.status === 'done'));
    t.is(Number((await siyu.db('customers').count({ n: '*' }))[0]!.n), scans.length);
    t.is(Number((await siyu.db('customer_events').where({ kind: 'contact_added' }).count({ n: '*' }))[0]!.n), scans.length);
  });
}

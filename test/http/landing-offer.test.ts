import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;

async function submit(siyu: Siyu, code: string, name: string, phone: string) {
  const page = await fetch(`${siyu.url}/s/${code}`);
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const ft = /name="ft" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${siyu.url}/s/${code}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ft, name, phone, consent: '1' }).toString(),
  });
  return { status: res.status, html: await res.text() };
}

test(`${b} the offer is shown, a coupon is claimed once per person and counted in the funnel`, async (t) => {
  const siyu = await startApp(t);
  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '社区-幸福里',
      kind: 'community',
      staffUserIds: ['rep001'],
      welcomeText: '欢迎',
      offer: '扫码领 20 元新人券',
      coupon: { title: '新人立减20元' },
    })
  ).json;
  t.is(ch.offer, '扫码领 20 元新人券');
  t.regex(await (await fetch(`${siyu.url}/s/${ch.code}`)).text(), /扫码领 20 元新人券/);
  const first = await submit(siyu, ch.code, '赵一', '13700000001');
  const code1 = /券码 <b>([A-Z0-9]{10})<\/b>/.exec(first.html)?.[1];
  t.truthy(code1, first.html);
  const again = await submit(siyu, ch.code, '赵一', '13700000001');
  t.is(/券码 <b>([A-Z0-9]{10})<\/b>/.exec(again.html)?.[1], code1, 'the same code again');
  const other = await submit(siyu, ch.code, '钱二', '13700000002');
  t.not(/券码 <b>([A-Z0-9]{10})<\/b>/.exec(other.html)?.[1], code1);
  t.is(Number((await siyu.db('coupon_claims').count({ n: '*' }))[0]!.n), 2);
  const customerId = (await siyu.db('coupon_claims').where({ code: code1 }).first()).customer_id;
  const view = await siyu.customers.view(customerId);
  t.true(view.tags.some((x) => x.name === '已领券'));
  const d = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const funnel = await admin(siyu).get(`/api/funnel?from=${d}&to=${d}`);
  t.is(funnel.json.rows[0].claims, 2);
});

test(`${b} before and after its active window a channel's page is closed (410) and records nothing`, async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-01T00:00:00+08:00'));
  const siyu = await startApp(t, { options: { clock } });
  const api = admin(siyu);
  const ch = (
    await api.post('/api/channels', {
      name: '双十二活动',
      kind: 'event',
      staffUserIds: ['rep001'],
      welcomeText: '欢迎',
      activeFrom: '2026-12-10T09:00:00+08:00',
      activeUntil: '2026-12-12T23:59:59+08:00',
    })
  ).json;
  t.is(ch.activeFrom, '2026-12-10T01:00:00.000Z');
  const early = await fetch(`${siyu.url}/s/${ch.code}`);
  t.is(early.status, 410);
  t.regex(await early.text(), /尚未开始/);
  clock.set(Date.parse('2026-12-11T12:00:00+08:00'));
  t.is((await fetch(`${siyu.url}/s/${ch.code}`)).status, 200);
  clock.set(Date.parse('2026-12-13T00:00:00+08:00'));
  const late = await fetch(`${siyu.url}/s/${ch.code}`);
  t.is(late.status, 410);
  t.regex(await late.text(), /已结束/);
  t.is(Number((await siyu.db('scans').count({ n: '*' }))[0]!.n), 1);
  const bad = await api.post('/api/channels', { name: '反了', kind: 'event', staffUserIds: ['rep001'], welcomeText: '欢迎', activeFrom: '2026-12-10T09:00:00+08:00', activeUntil: '2026-12-01T09:00:00+08:00' });
  t.is(bad.status, 400);
  t.is(bad.json.error.code, 'CHANNEL.BAD_WINDOW');
  t.is((await api.post('/api/channels', { name: '坏时间', kind: 'event', staffUserIds: ['rep001'], welcomeText: '欢迎', activeFrom: 'tomorrow' })).status, 400);
});

test(`${b} leads are shared among reps by the channel's routing, with caps and backups`, async (t) => {
  const siyu = await startApp(t);
  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '门店-旗舰店',
      kind: 'counter',
      staffUserIds: ['rep001', 'rep002'],
      welcomeText: '欢迎',
      routing: { rule: 'round_robin', dailyCap: 1, backupUserIds: ['rep003'] },
    })
  ).json;
  t.deepEqual(ch.routing, { rule: 'round_robin', dailyCap: 1, backupUserIds: ['rep003'] });
  for (const [i, name] of ['甲', '乙', '丙'].entries()) t.is((await submit(siyu, ch.code, name, `1360000000${i}`)).status, 200);
  const reps = (await siyu.db('leads').orderBy('id').select('staff_userid')).map((r) => r.staff_userid);
  t.deepEqual(reps, ['rep001', 'rep002', 'rep003']);
  // Each lead's own QR belongs to the rep it was given to.
  const ways = await siyu.db('leads').orderBy('id').select('wecom_config_id');
  t.deepEqual(
    ways.map((w) => (siyu.emulator!.contactWay(w.wecom_config_id) as { user: string[] }).user),
    [['rep001'], ['rep002'], ['rep003']],
  );
  const bad = await admin(siyu).post('/api/channels', { name: '坏规则', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', routing: { rule: 'random' } });
  t.is(bad.status, 400);
});

test(`${b} the shared QR leaves out reps who reached today's cap, then the backups, and everyone is back when all are full`, async (t) => {
  const siyu = await startApp(t);
  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '门店-封顶',
      kind: 'counter',
      staffUserIds: ['rep001', 'rep002'],
      welcomeText: '欢迎',
      routing: { rule: 'round_robin', dailyCap: 1, backupUserIds: ['rep003'] },
    })
  ).json;
  const users = () => (siyu.emulator!.contactWay(ch.configId) as { user: string[] }).user;
  const scan = async () => {
    const s = await siyu.emulator!.customerScans(ch.configId, {});
    await siyu.processor.drain();
    return s.userid;
  };
  t.deepEqual(await siyu.channels.applyDailyCaps(), { checked: 1, updated: 1 });
  t.deepEqual(users(), ['rep001', 'rep002']);
  const first = await scan();
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep001', 'rep002'].filter((u) => u !== first));
  await scan();
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep003'], 'both primaries full: the backup takes over');
  t.is(await scan(), 'rep003');
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep001', 'rep002'], 'everyone full: nobody is turned away');
  t.deepEqual(await siyu.channels.applyDailyCaps(), { checked: 1, updated: 0 }, 'nothing to push when nothing changed');
});

test(`${b} the add that brings a rep to the daily cap takes them off the shared QR at once, without the minute job; adds WeCom routed before that are the only overshoot`, async (t) => {
  const siyu = await startApp(t);
  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '门店-即时封顶',
      kind: 'counter',
      staffUserIds: ['rep001'],
      welcomeText: '欢迎',
      routing: { rule: 'round_robin', dailyCap: 2, backupUserIds: ['rep002'] },
    })
  ).json;
  const users = () => (siyu.emulator!.contactWay(ch.configId) as { user: string[] }).user;
  const addsOf = async (u: string) => Number((await siyu.db('customer_follows').where({ channel_id: ch.id, staff_userid: u }).countDistinct({ n: 'customer_id' }))[0]!.n);
  // One add at a time (each processed before the next scan): the cap holds exactly.
  for (let i = 0; i < 2; i++) {
    t.is((await siyu.emulator!.customerScans(ch.configId, {})).userid, 'rep001');
    await siyu.processor.drain();
  }
  t.deepEqual(users(), ['rep002'], 'rep001 left the shared QR with the add that reached the cap');
  t.is((await siyu.emulator!.customerScans(ch.configId, {})).userid, 'rep002');
  await siyu.processor.drain();
  t.is(await addsOf('rep001'), 2, 'cap 2, two adds');

  // The bound: adds WeCom routes before our update reaches it. Two people scan at the same moment
  // while a rep is one below the cap: WeCom gives both to that rep, who ends at cap + 1.
  const ch2 = (
    await admin(siyu).post('/api/channels', {
      name: '门店-同时扫码',
      kind: 'counter',
      staffUserIds: ['rep003'],
      welcomeText: '欢迎',
      routing: { rule: 'round_robin', dailyCap: 2, backupUserIds: ['rep002'] },
    })
  ).json;
  await siyu.emulator!.customerScans(ch2.configId, {});
  await siyu.processor.drain();
  const together = await Promise.all([siyu.emulator!.customerScans(ch2.configId, {}), siyu.emulator!.customerScans(ch2.configId, {})]);
  t.deepEqual(together.map((s) => s.userid), ['rep003', 'rep003'], 'both were routed before either add was processed');
  await siyu.processor.drain();
  t.deepEqual((siyu.emulator!.contactWay(ch2.configId) as { user: string[] }).user, ['rep002']);
  t.is((await siyu.emulator!.customerScans(ch2.configId, {})).userid, 'rep002', 'nothing after the update');
  await siyu.processor.drain();
  t.is(Number((await siyu.db('customer_follows').where({ channel_id: ch2.id, staff_userid: 'rep003' }).countDistinct({ n: 'customer_id' }))[0]!.n), 3);
});

test(`${b} the shared QR follows weights and reps' own hours; routing that names a stranger is refused and saves nothing`, async (t) => {
  const siyu = await startApp(t);
  const bad = await admin(siyu).post('/api/channels', {
    name: '门店-权重',
    kind: 'counter',
    staffUserIds: ['rep001', 'rep002'],
    welcomeText: '欢迎',
    routing: { rule: 'weighted', weights: { rep001: 3, rep009: 1 } },
  });
  t.is(bad.status, 400);
  t.is(bad.json.error.code, 'CHANNEL.ROUTING_UNKNOWN_REP');
  t.regex(bad.json.error.message, /rep009/);
  t.is(Number((await siyu.db('channels').count({ n: '*' }))[0]!.n), 0, 'nothing saved');
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/add_contact_way').length, 0, 'nothing asked of WeCom');
  const badHours = await admin(siyu).post('/api/channels', { name: '门店-时间', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', routing: { rule: 'round_robin', repHours: { rep001: { from: '9:00', to: '18:00' } } } });
  t.is(badHours.status, 400);
  t.regex(JSON.stringify(badHours.json), /HH:MM/);

  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '门店-权重',
      kind: 'counter',
      staffUserIds: ['rep001', 'rep002'],
      welcomeText: '欢迎',
      routing: { rule: 'weighted', weights: { rep001: 3, rep002: 1 } },
    })
  ).json;
  const users = () => (siyu.emulator!.contactWay(ch.configId) as { user: string[] }).user;
  const scanTo = async (n: number) => {
    for (let i = 0; i < n; i++) await siyu.emulator!.customerScans(ch.configId, {});
    await siyu.processor.drain();
  };
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep001', 'rep002']);
  await scanTo(2); // WeCom (the emulator) gives them one each
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep001'], '1 : 1 against weights 3 : 1: rep001 catches up alone');
  await scanTo(2);
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep001', 'rep002'], '3 : 1 reached: both again');

  // An evening rep's own hours take them off the QR outside them (the clock of this app is real,
  // so the window is set around the current Shanghai time).
  const nowMin = Math.floor(((Date.now() + 8 * 3600_000) % 86_400_000) / 60_000);
  const hhmm = (m: number) => `${String(Math.floor((((m % 1440) + 1440) % 1440) / 60)).padStart(2, '0')}:${String((((m % 1440) + 1440) % 1440) % 60).padStart(2, '0')}`;
  const edit = await admin(siyu).call('PATCH', `/api/channels/${ch.id}`, { routing: { rule: 'round_robin', repHours: { rep002: { from: hhmm(nowMin + 60), to: hhmm(nowMin + 120) } } } });
  t.is(edit.status, 200, JSON.stringify(edit.json));
  await siyu.channels.applyDailyCaps();
  t.deepEqual(users(), ['rep001'], 'rep002 is off duty now');
});

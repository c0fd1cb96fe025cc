import test from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { admin, startApp } from '../support/app.js';

const patch = (siyu: Parameters<typeof admin>[0], path: string, body: unknown) => admin(siyu).call('PATCH', path, body);

test('a store is created, listed, read and edited with its quiet hours and dormant threshold', async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const made = await api.post('/api/stores', { code: 'sh-01', name: '上海一店', quietHours: { from: '22:00', to: '08:30' }, dormantDays: 45 });
  t.is(made.status, 201, made.text);
  t.like(made.json, { code: 'sh-01', name: '上海一店', quietHours: { from: '22:00', to: '08:30' }, dormantDays: 45 });
  const id = made.json.id as number;
  const row = await siyu.db('stores').where({ id }).first();
  t.like(row, { quiet_from: '22:00', quiet_to: '08:30', dormant_days: 45 });

  const plain = await api.post('/api/stores', { code: 'bj-01', name: '北京一店' });
  t.is(plain.status, 201);
  t.like(plain.json, { quietHours: null, dormantDays: null }, 'unset settings fall back to the configured defaults');

  t.deepEqual((await api.get('/api/stores')).json.items.map((s: { code: string }) => s.code), ['sh-01', 'bj-01']);
  t.like((await api.get(`/api/stores/${id}`)).json, { id, code: 'sh-01' });

  const edited = await patch(siyu, `/api/stores/${id}`, { name: '上海旗舰店', quietHours: null, dormantDays: 90 });
  t.is(edited.status, 200, edited.text);
  t.like(edited.json, { code: 'sh-01', name: '上海旗舰店', quietHours: null, dormantDays: 90 });
  t.like(await siyu.db('stores').where({ id }).first(), { name: '上海旗舰店', quiet_from: null, quiet_to: null, dormant_days: 90 });
  t.like((await patch(siyu, `/api/stores/${id}`, { dormantDays: null })).json, { dormantDays: null, name: '上海旗舰店' }, 'a partial edit keeps the rest');
});

test('bad input gets a Chinese 400 and writes nothing; a taken code is 409; an unknown store 404', async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const id = (await api.post('/api/stores', { code: 'gz-01', name: '广州一店' })).json.id as number;
  const before = await siyu.db('stores').orderBy('id');

  const bad: Array<[string, unknown, RegExp]> = [
    ['quiet hours not HH:MM', { code: 'x1', name: 'x', quietHours: { from: '9:00', to: '21:00' } }, /HH:MM/],
    ['quiet hours past 23:59', { code: 'x1', name: 'x', quietHours: { from: '21:00', to: '24:00' } }, /HH:MM/],
    ['quiet hours that start where they end', { code: 'x1', name: 'x', quietHours: { from: '21:00', to: '21:00' } }, /不能相同/],
    ['dormant days under 7', { code: 'x1', name: 'x', dormantDays: 6 }, /不能少于 7 天/],
    ['dormant days over 365', { code: 'x1', name: 'x', dormantDays: 366 }, /不能超过 365 天/],
    ['dormant days not a whole number', { code: 'x1', name: 'x', dormantDays: 30.5 }, /整数/],
    ['a code with spaces', { code: 'a b', name: 'x' }, /门店编码/],
    ['an unknown field', { code: 'x1', name: 'x', timezone: 'UTC' }, /.+/],
  ];
  for (const [what, body, message] of bad) {
    const r = await api.post('/api/stores', body);
    t.is(r.status, 400, what);
    t.regex(JSON.stringify(r.json), message, what);
  }
  const dup = await api.post('/api/stores', { code: 'gz-01', name: '另一家' });
  t.is(dup.status, 409);
  t.is(dup.json.error.code, 'STORE.CODE_TAKEN');
  t.regex(dup.json.error.message, /门店编码已被使用/);
  const other = (await api.post('/api/stores', { code: 'gz-02', name: '广州二店' })).json.id as number;
  const dupEdit = await patch(siyu, `/api/stores/${other}`, { code: 'gz-01' });
  t.is(dupEdit.status, 409, 'renaming onto a taken code is refused too');
  t.is((await patch(siyu, `/api/stores/${id}`, {})).status, 400, 'an empty edit');
  t.is((await patch(siyu, `/api/stores/${id}`, { dormantDays: 3 })).status, 400);
  t.is((await api.get('/api/stores/999')).status, 404);
  t.is((await patch(siyu, '/api/stores/999', { name: '无' })).status, 404);
  t.is((await api.get('/api/stores/abc')).status, 400);

  t.deepEqual((await siyu.db('stores').where('id', '<=', id).orderBy('id')), before, 'nothing written by the refused requests');
  t.is((await fetch(`${siyu.url}/api/stores`)).status, 401, 'the admin key is required');
});

test('new quiet hours take effect at the next journey tick, without waiting for cached settings to expire', async (t) => {
  // 2026-01-01 22:30 Asia/Shanghai.
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 14, 30));
  const siyu = await startApp(t, { options: { clock } });
  const api = admin(siyu);
  const storeId = (await api.post('/api/stores', { code: 'night', name: '夜店', quietHours: { from: '23:00', to: '07:00' } })).json.id as number;
  const [cid] = await siyu.db('customers').insert({ name: '小周', stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', store_id: storeId, created_at: clock.now(), updated_at: clock.now() });
  const customerId = Number(cid);
  await siyu.db('customer_identities').insert({ customer_id: customerId, kind: 'bot_contact', scope: siyu.config.bot.account, value: `wxid_${customerId}`, created_at: clock.now() });
  await api.post('/api/journeys', { name: '夜间', trigger: 'tag_added', triggerArg: 'q', steps: [{ type: 'send', text: '晚上好', marketing: false }] });

  // The first touch is sent (22:30 is outside 23:00–07:00) and the engine now holds the store's hours.
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'q', customerId, storeId, ref: 'q1', at: clock.now() });
  t.like(await siyu.journeys.engine.tick(), { sent: 1, deferred: 0 });

  t.is((await patch(siyu, `/api/stores/${storeId}`, { quietHours: { from: '22:00', to: '08:00' } })).status, 200);
  clock.advance(1_000);
  await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'q', customerId, storeId, ref: 'q2', at: clock.now() });
  t.like(await siyu.journeys.engine.tick(), { sent: 0, deferred: 1 }, 'the new hours hold a second later');
  const deferred = await siyu.db('touches').where({ customer_id: customerId, status: 'pending' }).first();
  t.is(Number(deferred.due_at), Date.UTC(2026, 0, 2, 0, 0), 'deferred to 08:00 Asia/Shanghai, the new end');
});

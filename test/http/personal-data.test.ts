import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName, MYSQL_URL } from '../support/backends.js';
import { mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;

const NAME = '周测试';
const WECOM_NAME = '周测试的微信';
const PHONE = '13512345678';
const UA = 'EraseTestPhone/1.0 (personal-data.test)';
const CONTACT = 'wxid-erase-zhou';
const MESSAGE = '请问会员卡怎么办理 erase-marker-msg';
const NPS_REF = 'erase-test';

/** Every table of the schema (whatever migrations added), so a new table with personal data is checked too. */
async function allTables(siyu: Siyu): Promise<string[]> {
  const names = MYSQL_URL
    ? ((await siyu.db.raw('SHOW TABLES'))[0] as Array<Record<string, string>>).map((r) => Object.values(r)[0]!)
    : ((await siyu.db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")) as Array<{ name: string }>).map((r) => r.name);
  return names.filter((n) => !n.startsWith('knex_migrations') && !n.startsWith('sqlite_'));
}

async function count(siyu: Siyu, table: string, where: Record<string, unknown> = {}) {
  return Number((await siyu.db(table).where(where).count({ n: '*' }))[0]!.n);
}

/**
 * One person through the real paths: a scan and a lead on the landing page, the add through the
 * lead's own QR (WeCom callback), an order by an operator (starts the post-purchase journey), a
 * message to the bot and an NPS answer. Returns what identifies them, to look for afterwards.
 */
async function seedPerson(siyu: Siyu) {
  const api = admin(siyu);
  await siyu.journeys.service.ensureDefaults();
  const ch = (await api.post('/api/channels', { name: '柜台-删除', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: ['海报:春季'], coupon: { title: '新人券' } })).json;
  const page = await fetch(`${siyu.url}/s/${ch.code}`, { headers: { 'user-agent': UA } });
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const ft = /name="ft" value="([^"]+)"/.exec(await page.text())![1]!;
  const submitted = await fetch(`${siyu.url}/s/${ch.code}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'user-agent': UA },
    body: new URLSearchParams({ ft, name: NAME, phone: PHONE, consent: '1' }).toString(),
  });
  if (submitted.status !== 200) throw new Error(`lead: ${submitted.status}`);
  const lead = await siyu.db('leads').first();
  const scan = await siyu.emulator!.customerScans(lead.wecom_config_id, { name: WECOM_NAME });
  await siyu.processor.drain();
  const customerId = Number(lead.customer_id);
  if ((await siyu.customers.findIdByExternalUserId(scan.externalUserId)) !== customerId) throw new Error('the add was not linked to the lead');

  const order = await api.post('/api/orders', { customerId, amountFen: 12_800, orderNo: 'ERASE-1' });
  if (order.status !== 201) throw new Error(`order: ${order.status} ${order.text}`);

  const say = (text: string, id: string) =>
    siyu.bot.conversations.handleDirect({
      id,
      account: siyu.config.bot.account,
      conversation: { kind: 'dm', contactId: CONTACT },
      talker: { id: CONTACT, name: WECOM_NAME, coworker: false, externalUserId: scan.externalUserId },
      text,
      kind: 'text',
      mentionsBot: false,
      sentAt: siyu.clock.now(),
    });
  await say(MESSAGE, 'm1');
  await siyu.bot.conversations.ask(customerId, 'nps', NPS_REF);
  await say('9', 'm2');

  const identities = await siyu.db('customer_identities').where({ customer_id: customerId }).pluck('value');
  const cipher = [...(await siyu.db('leads').pluck('phone_enc')), ...(await siyu.db('customers').whereNotNull('phone_enc').pluck('phone_enc'))];
  const visitor = cookie.split('=')[1]!;
  const ipHashes = (await siyu.db('scans').pluck('ip_hash')).filter((h: string) => h);
  return { customerId, externalUserId: scan.externalUserId, identities, cipher, visitor, ipHashes };
}

test(`${b} erasure leaves nothing personal of the person in any table, keeps the store's aggregates and stops every automated path`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const p = await seedPerson(siyu);

  // The seed reached every place it should have, so the checks below are not vacuous.
  t.is(await count(siyu, 'survey_answers', { customer_id: p.customerId }), 1);
  t.is(await count(siyu, 'conversations', { customer_id: p.customerId }), 1);
  t.is(await count(siyu, 'journey_runs', { customer_id: p.customerId, status: 'active' }), 1);
  t.true((await count(siyu, 'outbox', { customer_id: p.customerId })) >= 1);
  t.true(p.identities.includes(p.externalUserId) && p.identities.includes(CONTACT));
  const before = Object.fromEntries(await Promise.all(['customers', 'leads', 'scans', 'orders', 'customer_events', 'consents', 'coupon_claims'].map(async (x) => [x, await count(siyu, x)] as const)));
  const dumpBefore = JSON.stringify(await siyu.db('customer_events').where({ customer_id: p.customerId }));
  t.true(dumpBefore.includes(MESSAGE), 'the message is on the timeline before');

  t.is((await api.post(`/api/customers/${p.customerId}/erase`, {})).status, 400, 'a reason is required');
  t.is((await api.post(`/api/customers/999999/erase`, { reason: '客户来电要求删除' })).status, 404);
  t.is(await count(siyu, 'audit_log'), 0, 'refused requests wrote nothing');
  t.is(await count(siyu, 'customers', { id: p.customerId, name: '' }), 0);

  const res = await api.post(`/api/customers/${p.customerId}/erase`, { reason: '客户来电要求删除' });
  t.is(res.status, 200, res.text);
  t.is(res.json.customerId, p.customerId);
  t.false(res.json.alreadyErased);

  const needles = [NAME, WECOM_NAME, PHONE, '"phone_tail":"5678"', UA, MESSAGE, CONTACT, p.externalUserId, p.visitor, ...p.identities, ...p.cipher, ...p.ipHashes];
  for (const table of await allTables(siyu)) {
    const dump = JSON.stringify(await siyu.db(table).select());
    for (const n of needles) t.false(dump.includes(n), `${table} still holds ${n.slice(0, 12)}…`);
  }
  t.is((await siyu.db('survey_answers').where({ customer_id: p.customerId }).first()).value, '', 'the answer text is gone');
  t.is(Number((await siyu.db('survey_answers').where({ customer_id: p.customerId }).first()).score), 9, 'the NPS score stays for the aggregate');

  // Aggregates: every row that counts something is still there, anonymous.
  for (const [table, n] of Object.entries(before)) t.is(await count(siyu, table), n, `${table} rows kept`);
  const row = await siyu.db('customers').where({ id: p.customerId }).first();
  t.truthy(row.erased_at);
  t.is(Number(row.order_count), 1);
  t.is(Number(row.total_spent_fen), 12_800);
  t.is(Number((await siyu.db('orders').first()).amount_fen), 12_800);
  t.is(Number((await siyu.db('orders').first()).customer_id), p.customerId, 'the order stays on the anonymous row');
  t.is((await api.get(`/api/customers/${p.customerId}`)).json.name, '');

  // Nothing automated reaches them any more.
  t.is(await count(siyu, 'journey_runs', { customer_id: p.customerId, status: 'active' }), 0);
  t.is(await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId: p.customerId, storeId: null, ref: 'order:again', at: siyu.clock.now() }), 0, 'no journey starts again');
  t.is(Number((await siyu.db('outbox').where({ customer_id: p.customerId }).whereIn('status', ['pending', 'sending']).count({ n: '*' }))[0]!.n), 0);
  t.is(Number((await siyu.db('touches').where({ customer_id: p.customerId }).whereIn('status', ['pending', 'sending']).count({ n: '*' }))[0]!.n), 0);
  t.is(Number((await siyu.db('tasks').where({ customer_id: p.customerId, status: 'open' }).count({ n: '*' }))[0]!.n), 0);
  t.true(!!row.opted_out, 'reactivation and every marketing path select only customers who did not opt out');

  const audit = await siyu.db('audit_log').where({ action: 'customer.erase' });
  t.is(audit.length, 1);
  t.is(audit[0].target_id, String(p.customerId));
  t.is(JSON.parse(audit[0].detail).actor, 'admin-api');

  // Idempotent: a second request finds the person erased and changes nothing that matters.
  const again = await api.post(`/api/customers/${p.customerId}/erase`, { reason: '客户再次要求' });
  t.is(again.status, 200, again.text);
  t.true(again.json.alreadyErased);
  t.is(again.json.erasedAt, res.json.erasedAt);
  for (const [table, n] of Object.entries(before)) t.is(await count(siyu, table), n, `${table} rows kept after a repeat`);
});

test(`${b} erasure covers every record merged into the person, and is one transaction`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const p = await seedPerson(siyu);
  // A second record of the same person, merged into the first.
  const [other] = await siyu.db('customers').insert({ name: '周测试（旧）', stage: 'lead', gender: 0, opted_out: false, created_at: 1, updated_at: 1 });
  await siyu.db('customer_events').insert({ customer_id: Number(other), kind: 'note_added', data: JSON.stringify({ text: '周测试（旧）的备注' }), occurred_at: 1 });
  t.is((await api.post('/api/customers/merge', { sourceId: Number(other), targetId: p.customerId, reason: '同一人' })).status, 201);

  // Asking by the merged record's id erases the whole person.
  const res = await api.post(`/api/customers/${Number(other)}/erase`, { reason: '客户要求删除' });
  t.is(res.status, 200, res.text);
  t.is(res.json.customerId, p.customerId);
  t.deepEqual(res.json.customerIds, [p.customerId, Number(other)].sort((a, b) => a - b));
  for (const table of await allTables(siyu)) t.false(JSON.stringify(await siyu.db(table).select()).includes('周测试'), table);
});

test(`${b} a failure in the middle of an erasure leaves everything as it was`, async (t) => {
  const siyu = await startApp(t);
  const p = await seedPerson(siyu);
  const snapshot = async () => JSON.stringify([await siyu.db('customers').orderBy('id'), await siyu.db('customer_identities').orderBy('id'), await siyu.db('leads').orderBy('id')]);
  const before = await snapshot();
  // The audit write comes last: make it fail.
  await siyu.db.schema.renameTable('audit_log', 'audit_log_away');
  const res = await admin(siyu).post(`/api/customers/${p.customerId}/erase`, { reason: '客户要求删除' });
  await siyu.db.schema.renameTable('audit_log_away', 'audit_log');
  t.is(res.status, 500);
  t.is(await snapshot(), before);
});

test(`${b} in the mini-program only HQ may erase a person, and the audit log names who did`, async (t) => {
  const w = await mpWorld(t);
  const id = await w.customer('吴店客', w.stores.s1, 'rep1a');
  for (const who of ['mgr1', 'rep1a'] as const) t.is((await w.as(who, 'POST', `/customers/${id}/erase`, { reason: '客户要求删除' })).status, 403, who);
  t.is((await w.as('hq', 'POST', `/customers/${id}/erase`, { reason: '' })).status, 400);
  t.is(await count(w.siyu, 'audit_log'), 0);
  const res = await w.as('hq', 'POST', `/customers/${id}/erase`, { reason: '客户要求删除' });
  t.is(res.status, 200, JSON.stringify(res.json));
  t.is((await w.siyu.db('customers').where({ id }).first()).name, '');
  const log = await w.as('hq', 'GET', '/audit-log');
  const entry = log.json.items.find((e: { action: string }) => e.action === 'customer.erase');
  t.truthy(entry, JSON.stringify(log.json));
  const row = await w.siyu.db('audit_log').where({ action: 'customer.erase' }).first();
  t.is(Number(row.staff_id), Number((await w.siyu.db('staff').where({ wecom_userid: 'hq' }).first()).id));
  t.is(JSON.parse(row.detail).actor, 'staff:hq');
});

test(`${b} an access request hands the person everything held about them as a JSON file, and is audited`, async (t) => {
  const siyu = await startApp(t);
  const p = await seedPerson(siyu);
  const res = await fetch(`${siyu.url}/api/customers/${p.customerId}/personal-data`, { headers: { authorization: `Bearer ${siyu.config.adminApiKey}` } });
  t.is(res.status, 200);
  t.regex(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="personal-data-${p.customerId}\\.json"`));
  t.is(res.headers.get('cache-control'), 'no-store');
  const file = JSON.parse(await res.text());
  t.is(file.customerId, p.customerId);
  t.deepEqual(file.phones, [PHONE], 'the phone in clear, once');
  t.is(file.leads[0].name, NAME);
  t.true(file.identities.some((i: { value: string }) => i.value === p.externalUserId));
  t.true(file.timeline.some((e: { kind: string; data: { text?: string } }) => e.kind === 'message_in' && e.data.text === MESSAGE));
  t.is(file.orders[0].amountFen, 12_800);
  t.is(file.surveyAnswers[0].value, '9');
  t.true(file.consents.length >= 1);
  t.true(file.tags.some((x: { group: string; name: string }) => x.group === '海报' && x.name === '春季'));
  const audit = await siyu.db('audit_log').where({ action: 'customer.export_data' });
  t.is(audit.length, 1);
  t.is(audit[0].target_id, String(p.customerId));
  t.false(audit[0].detail.includes(PHONE), 'the audit says who was exported, not what');
  t.is((await admin(siyu).get('/api/customers/999999/personal-data')).status, 404);
});

test(`${b} in the mini-program only HQ may export a person's data`, async (t) => {
  const w = await mpWorld(t);
  const id = await w.customer('吴店客', w.stores.s1, 'rep1a', '13911112222');
  for (const who of ['mgr1', 'rep1a'] as const) t.is((await w.raw(who, `/customers/${id}/personal-data`)).status, 403, who);
  const res = await w.raw('hq', `/customers/${id}/personal-data`);
  t.is(res.status, 200);
  const file = JSON.parse(await res.text());
  t.deepEqual(file.phones, ['13911112222']);
  t.is(Number((await w.siyu.db('audit_log').where({ action: 'customer.export_data' }).first()).staff_id), Number((await w.siyu.db('staff').where({ wecom_userid: 'hq' }).first()).id));
});

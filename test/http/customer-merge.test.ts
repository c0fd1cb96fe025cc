import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;

/** Everything that hangs off customers, in a stable order, to compare before and after. */
async function snapshot(siyu: Siyu) {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ['customers', ['id']],
    ['customer_identities', ['id']],
    ['customer_tags', ['customer_id', 'tag_id']],
    ['customer_follows', ['customer_id', 'staff_userid']],
    ['leads', ['id']],
    ['consents', ['id']],
    ['coupon_claims', ['id']],
  ] as const) {
    out[table] = await siyu.db(table).orderBy(order.map((c) => ({ column: c })));
  }
  out.events = (await siyu.db('customer_events').whereNotIn('kind', ['customer_merged', 'customer_unmerged']).orderBy('id').select('id', 'customer_id', 'kind'));
  return JSON.parse(JSON.stringify(out));
}

test(`${b} two records of one person are merged with everything moved, and the merge is undone exactly`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const ch = (await api.post('/api/channels', { name: '柜台-合并', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: ['海报:春季'], coupon: { title: '券' } })).json;
  // Record 1: added the rep in WeCom.
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '周' });
  await siyu.processor.drain();
  const wecomCustomer = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;
  // Record 2: left details on the landing page (same person, not yet linked).
  const page = await fetch(`${siyu.url}/s/${ch.code}`);
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const ft = /name="ft" value="([^"]+)"/.exec(await page.text())![1]!;
  await fetch(`${siyu.url}/s/${ch.code}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams({ ft, name: '周先生', phone: '13512345678', consent: '1' }).toString() });
  const leadCustomer = Number((await siyu.db('leads').first()).customer_id);
  t.not(leadCustomer, wecomCustomer);

  const before = await snapshot(siyu);
  const merged = await api.post('/api/customers/merge', { sourceId: leadCustomer, targetId: wecomCustomer, reason: '同一手机号，店长确认' });
  t.is(merged.status, 201, merged.text);
  const target = await api.get(`/api/customers/${wecomCustomer}`);
  const tags = target.json.tags.map((x: { group: string; name: string }) => `${x.group}/${x.name}`);
  for (const n of ['客户行为/已加微', '客户行为/已留资', '客户行为/已扫码', '客户行为/已领券', '海报/春季']) t.true(tags.includes(n), n);
  t.is(tags.filter((n: string) => n === '海报/春季').length, 1, 'a tag both had appears once');
  t.true(target.json.timeline.some((e: { kind: string }) => e.kind === 'lead_submitted'));
  t.true(target.json.timeline.some((e: { kind: string }) => e.kind === 'customer_merged'));
  t.is((await siyu.db('leads').first()).customer_id, wecomCustomer);
  t.is((await siyu.db('coupon_claims').first()).customer_id, wecomCustomer);
  t.is(Number((await siyu.db('customer_identities').where({ customer_id: leadCustomer }).count({ n: '*' }))[0]!.n), 0);
  t.is((await api.get(`/api/customers/${leadCustomer}`)).json.mergedInto, wecomCustomer);
  // The same phone now finds the merged customer.
  t.is((await siyu.db('customer_identities').where({ kind: 'phone_hash' }).first()).customer_id, wecomCustomer);

  t.is((await api.post('/api/customers/merge', { sourceId: leadCustomer, targetId: wecomCustomer })).status, 409, 'not twice');
  t.is((await api.post('/api/customers/merge', { sourceId: wecomCustomer, targetId: leadCustomer })).status, 409, 'not into a merged record');
  t.is((await api.post('/api/customers/merge', { sourceId: wecomCustomer, targetId: wecomCustomer })).status, 400);
  t.is((await api.post('/api/customers/merge', { sourceId: 999, targetId: wecomCustomer })).status, 404);

  const undone = await api.post(`/api/customers/merges/${merged.json.id}/undo`);
  t.is(undone.status, 200, undone.text);
  t.truthy(undone.json.undoneAt);
  t.deepEqual(await snapshot(siyu), before, 'every row is back where it was');
  t.is((await api.post(`/api/customers/merges/${merged.json.id}/undo`)).status, 409);
  t.true((await api.get(`/api/customers/${wecomCustomer}`)).json.timeline.some((e: { kind: string }) => e.kind === 'customer_unmerged'));
});

test(`${b} merges and their undo are in the audit log with who did them, and HQ can do both in the mini-program`, async (t) => {
  const w = await mpWorld(t);
  const a = await w.customer('郑甲', w.stores.s1, 'rep1a');
  const c = await w.customer('郑甲（重复）', w.stores.s1, 'rep1a');
  for (const who of ['mgr1', 'rep1a'] as const) t.is((await w.as(who, 'POST', '/customers/merge', { sourceId: c, targetId: a })).status, 403, who);
  t.is(Number((await w.siyu.db('customer_merges').count({ n: '*' }))[0]!.n), 0);

  const merged = await w.as('hq', 'POST', '/customers/merge', { sourceId: c, targetId: a, reason: '同一手机号' });
  t.is(merged.status, 201, JSON.stringify(merged.json));
  t.is(merged.json.actor, 'staff:hq');
  t.is((await w.siyu.db('customers').where({ id: c }).first()).merged_into, a);
  t.is((await w.as('mgr1', 'POST', `/customers/merges/${merged.json.id}/undo`)).status, 403);
  const undone = await w.as('hq', 'POST', `/customers/merges/${merged.json.id}/undo`);
  t.is(undone.status, 200, JSON.stringify(undone.json));
  t.is((await w.siyu.db('customers').where({ id: c }).first()).merged_into, null);

  // The admin key too, recorded as such.
  const again = await admin(w.siyu).post('/api/customers/merge', { sourceId: c, targetId: a });
  t.is(again.status, 201);
  const hqId = Number((await w.siyu.db('staff').where({ wecom_userid: 'hq' }).first()).id);
  const log = (await w.siyu.db('audit_log').whereIn('action', ['customer.merge', 'customer.unmerge']).orderBy('id')).map((r) => ({
    staffId: Number(r.staff_id),
    action: r.action,
    targetId: r.target_id,
    actor: JSON.parse(r.detail).actor,
    sourceId: JSON.parse(r.detail).sourceId,
  }));
  t.deepEqual(log, [
    { staffId: hqId, action: 'customer.merge', targetId: String(a), actor: 'staff:hq', sourceId: c },
    { staffId: hqId, action: 'customer.unmerge', targetId: String(a), actor: 'staff:hq', sourceId: c },
    { staffId: 0, action: 'customer.merge', targetId: String(a), actor: 'admin-api', sourceId: c },
  ]);
  // HQ reads them in the mini-program's audit log.
  const read = await w.as('hq', 'GET', '/audit-log');
  t.deepEqual(read.json.items.filter((e: { action: string }) => e.action.startsWith('customer.')).map((e: { action: string }) => e.action), ['customer.merge', 'customer.unmerge', 'customer.merge']);
});

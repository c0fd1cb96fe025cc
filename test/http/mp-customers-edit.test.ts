import test from 'ava';
import { backendName } from '../support/backends.js';
import { mpFootprint, mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;
const ids = (r: { json: { items: Array<{ id: number }> } }) => r.json.items.map((i) => i.id).sort((a, b) => a - b);

/** A customer who scanned a channel of store 1 routed to rep1a: a real relationship in the WeCom emulator. */
async function scanned(w: Awaited<ReturnType<typeof mpWorld>>) {
  const ch = await w.as('hq', 'POST', '/channels', { name: '电梯广告', kind: 'elevator', storeId: w.stores.s1, staffUserIds: ['rep1a'], welcomeText: '欢迎', tags: ['楼栋:3号楼'] });
  const configId = (await w.siyu.db('channels').where({ id: ch.json.id }).first('wecom_config_id')).wecom_config_id;
  const scan = await w.siyu.emulator!.customerScans(configId, { name: '李四' });
  await w.siyu.processor.drain();
  const customerId = (await w.siyu.customers.findIdByExternalUserId(scan.externalUserId))!;
  return { channelId: ch.json.id as number, customerId, scan };
}

const wecomTags = (w: Awaited<ReturnType<typeof mpWorld>>, scan: { userid: string; externalUserId: string }) =>
  w.siyu.emulator!.relationship(scan.userid, scan.externalUserId)!.tags.map((x) => `${x.groupName}/${x.name}`).sort();

test(`${b} a rep edits their customer's tags and adds a note: saved, on the timeline and marked in WeCom`, async (t) => {
  const w = await mpWorld(t);
  const { customerId, scan } = await scanned(w);
  t.true(wecomTags(w, scan).includes('楼栋/3号楼'));
  const r = await w.as('rep1a', 'PATCH', `/customers/${customerId}`, { tags: { add: ['VIP', '兴趣:咖啡'], remove: ['楼栋:3号楼'] }, note: '喜欢拿铁\n周末到店' });
  t.is(r.status, 200, JSON.stringify(r.json));
  const tags = r.json.tags.map((x: { group: string; name: string }) => `${x.group}/${x.name}`).sort();
  t.true(tags.includes('客户标签/VIP'));
  t.true(tags.includes('兴趣/咖啡'));
  t.false(tags.includes('楼栋/3号楼'));
  const kinds = r.json.timeline.map((e: { kind: string }) => e.kind);
  t.true(kinds.includes('tags_removed'));
  const note = r.json.timeline.find((e: { kind: string }) => e.kind === 'note_added');
  t.like(note, { staffUserId: 'rep1a', data: { text: '喜欢拿铁\n周末到店', by: 'rep1a' } });
  const added = r.json.timeline.filter((e: { kind: string; data: { by?: string } }) => e.kind === 'tags_added' && e.data.by === 'rep1a');
  t.deepEqual(added.map((e: { data: { tags: string[] } }) => e.data.tags.sort()), [['兴趣/咖啡', '客户标签/VIP']]);

  const inWecom = wecomTags(w, scan);
  t.true(inWecom.includes('客户标签/VIP'));
  t.true(inWecom.includes('兴趣/咖啡'));
  t.false(inWecom.includes('楼栋/3号楼'));
  // Adding a tag the customer has already changes nothing and logs nothing new.
  const events = Number((await w.siyu.db('customer_events').where({ customer_id: customerId }).count({ n: '*' }))[0]!.n);
  t.is((await w.as('mgr1', 'PATCH', `/customers/${customerId}`, { tags: { add: ['VIP'] } })).status, 200);
  t.is(Number((await w.siyu.db('customer_events').where({ customer_id: customerId }).count({ n: '*' }))[0]!.n), events);
});

test(`${b} a customer edit refuses other reps and stores (404), behaviour tags and bad input (400), writing nothing`, async (t) => {
  const w = await mpWorld(t);
  const { customerId, scan } = await scanned(w);
  const before = await mpFootprint(w.siyu);
  const wecomBefore = wecomTags(w, scan);
  const cases: Array<[Parameters<typeof w.as>[0], unknown, number, string]> = [
    ['rep1b', { note: '越权' }, 404, 'MP.NOT_FOUND'],
    ['mgr2', { tags: { add: ['越权'] } }, 404, 'MP.NOT_FOUND'],
    ['rep2', { note: '越权' }, 404, 'MP.NOT_FOUND'],
    ['rep1a', { tags: { remove: ['已加微'] } }, 400, 'CUSTOMER.TAG_SYSTEM'],
    ['rep1a', { tags: { add: ['客户行为:已购买'] } }, 400, 'REQUEST.INVALID'],
    ['rep1a', { note: 'x'.repeat(501) }, 400, 'REQUEST.INVALID'],
    ['rep1a', {}, 400, 'REQUEST.INVALID'],
    ['rep1a', { tags: { add: [] } }, 400, 'REQUEST.INVALID'],
    ['rep1a', { note: '好', extra: 1 }, 400, 'REQUEST.INVALID'],
  ];
  for (const [who, body, status, code] of cases) {
    const r = await w.as(who, 'PATCH', `/customers/${customerId}`, body);
    t.is(r.status, status, `${who} ${JSON.stringify(body)}`);
    t.is(r.json.error.code, code, `${who} ${JSON.stringify(body)}`);
  }
  t.is((await w.as('hq', 'PATCH', '/customers/99999999', { note: '不存在' })).status, 404);
  t.deepEqual(await mpFootprint(w.siyu), before);
  t.deepEqual(wecomTags(w, scan), wecomBefore);
});

test(`${b} the customer list also filters by RFM segment, channel and store, within the caller's scope`, async (t) => {
  const w = await mpWorld(t);
  const { customerId: scannedId, channelId } = await scanned(w);
  const a = await w.customer('甲', w.stores.s1, 'rep1a');
  const c = await w.customer('丙', w.stores.s2, 'rep2');
  await w.siyu.db('customer_rfm').insert([
    { customer_id: a, store_id: w.stores.s1, r: 5, f: 5, m: 5, segment: 'important_value', run_id: 1, computed_at: 1 },
    { customer_id: c, store_id: w.stores.s2, r: 5, f: 5, m: 5, segment: 'important_value', run_id: 1, computed_at: 1 },
  ]);
  t.deepEqual(ids(await w.as('hq', 'GET', '/customers?segment=important_value')), [a, c]);
  t.deepEqual(ids(await w.as('mgr1', 'GET', '/customers?segment=important_value')), [a]);
  t.deepEqual(ids(await w.as('hq', 'GET', `/customers?channelId=${channelId}`)), [scannedId]);
  t.deepEqual(ids(await w.as('hq', 'GET', `/customers?storeId=${w.stores.s2}`)), [c]);
  t.deepEqual(ids(await w.as('rep1a', 'GET', `/customers?storeId=${w.stores.s1}`)), [scannedId, a].sort((x, y) => x - y));
  t.is((await w.as('mgr1', 'GET', `/customers?storeId=${w.stores.s2}`)).status, 404);
  t.is((await w.as('hq', 'GET', '/customers?storeId=99999')).status, 404);
  t.is((await w.as('hq', 'GET', '/customers?segment=vip')).status, 400);
});

test(`${b} the mini-program's POST + X-HTTP-Method-Override: PATCH edits (wx.request has no PATCH); no other override is honoured`, async (t) => {
  const w = await mpWorld(t);
  const { customerId } = await scanned(w);
  const post = (override: string, body: unknown) =>
    w.withHeaders('rep1a', 'POST', `/customers/${customerId}`, body, { 'x-http-method-override': override });
  const r = await post('PATCH', { note: '经由 POST 覆盖' });
  t.is(r.status, 200, JSON.stringify(r.json));
  t.truthy(r.json.timeline.find((e: { kind: string; data: { text?: string } }) => e.kind === 'note_added' && e.data.text === '经由 POST 覆盖'));
  const before = await mpFootprint(w.siyu);
  // Only POST → PATCH: a POST claiming to be DELETE stays a POST, which this path does not have.
  t.is((await post('DELETE', {})).status, 405);
  t.deepEqual(await mpFootprint(w.siyu), before);
});

test(`${b} the detail says which tags an operator may remove; removal is by tag id or group, and a bare name shared by two groups is refused`, async (t) => {
  const w = await mpWorld(t);
  const { customerId, scan } = await scanned(w);
  t.is((await w.as('rep1a', 'PATCH', `/customers/${customerId}`, { tags: { add: ['电梯:A', '楼层:A'] } })).status, 200);
  const detail = await w.as('rep1a', 'GET', `/customers/${customerId}`);
  const tags = detail.json.tags as Array<{ id: number; group: string; name: string; kind: string; removable: boolean }>;
  const find = (group: string, name: string) => tags.find((x) => x.group === group && x.name === name)!;
  t.like(find('客户行为', '已加微'), { kind: 'behaviour', removable: false });
  t.like(find('楼栋', '3号楼'), { removable: true });
  t.true(Number.isInteger(find('电梯', 'A').id));

  const before = await mpFootprint(w.siyu);
  const ambiguous = await w.as('rep1a', 'PATCH', `/customers/${customerId}`, { tags: { remove: ['A'] } });
  t.is(ambiguous.status, 400);
  t.is(ambiguous.json.error.code, 'CUSTOMER.TAG_AMBIGUOUS');
  t.regex(ambiguous.json.error.message, /电梯:A、楼层:A/);
  t.deepEqual(await mpFootprint(w.siyu), before);
  const behaviourById = await w.as('rep1a', 'PATCH', `/customers/${customerId}`, { tags: { remove: [{ id: find('客户行为', '已加微').id }] } });
  t.is(behaviourById.status, 400);
  t.is(behaviourById.json.error.code, 'CUSTOMER.TAG_SYSTEM');

  const byId = await w.as('rep1a', 'PATCH', `/customers/${customerId}`, { tags: { remove: [{ id: find('电梯', 'A').id }] } });
  t.is(byId.status, 200, JSON.stringify(byId.json));
  const left = (byId.json.tags as Array<{ group: string; name: string }>).map((x) => `${x.group}/${x.name}`);
  t.false(left.includes('电梯/A'));
  t.true(left.includes('楼层/A'), 'the other group keeps its A');
  t.true(wecomTags(w, scan).includes('楼层/A'));
  t.false(wecomTags(w, scan).includes('电梯/A'));
});

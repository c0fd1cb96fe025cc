import test from 'ava';
import { toCsv } from '../../src/shared/csv.js';
import { stageLabel } from '../../src/domain/customer/stage-labels.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { mpWorld, NOW, type Who } from '../support/mp-reports-world.js';

const text = async (r: Response) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(await r.arrayBuffer());
const shanghai = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/** More customers and orders than several export batches, with tags, awkward names and two stores. */
async function world(t: Parameters<typeof mpWorld>[0]) {
  const w = await mpWorld(t);
  const { siyu, stores } = w;
  await siyu.db('staff').where({ wecom_userid: 'rep1a' }).update({ name: '王导购' });
  const pii = new PiiCipher(siyu.config.piiKey);
  const owners: Array<[number, string]> = [
    [stores.s1, 'rep1a'],
    [stores.s1, 'rep1b'],
    [stores.s2, 'rep2'],
    [stores.s2, 'gone-rep'],
  ];
  const rows = Array.from({ length: 1234 }, (_, i) => {
    const [store, owner] = owners[i % 4]!;
    const phone = `139${String(i).padStart(8, '0')}`;
    return {
      name: i % 7 ? `客户${i}` : `"引号",逗号${i}`,
      store_id: store,
      owner_userid: i % 11 ? owner : null,
      stage: i % 3 ? 'new' : 'repeat',
      phone_enc: i % 5 ? pii.encrypt(phone) : null,
      phone_tail: i % 5 ? phone.slice(-4) : null,
      created_at: NOW,
      updated_at: NOW,
    };
  });
  await siyu.db.batchInsert('customers', rows, 200);
  const ids = (await siyu.db('customers').orderBy('id').pluck('id')).map(Number);
  const tags: number[] = [];
  for (const name of ['已购买', '高意向']) tags.push(Number((await siyu.db('tags').insert({ group_name: '客户行为', name, kind: 'behaviour', created_at: 1 }))[0]));
  await siyu.db.batchInsert('customer_tags', ids.flatMap((id, i) => [...(i % 2 ? [{ customer_id: id, tag_id: tags[0], source: 'order', created_at: 1 }] : []), ...(i % 3 ? [] : [{ customer_id: id, tag_id: tags[1], source: 'x', created_at: 1 }])]), 200);
  await siyu.db.batchInsert(
    'orders',
    Array.from({ length: 1100 }, (_, i) => ({ store_id: i % 2 ? stores.s1 : stores.s2, customer_id: ids[i % ids.length]!, source: 'pos', order_no: `N-${i}`, amount_fen: 100 + i, status: 'paid', paid_at: NOW - i * 60_000, channel_id: null, items: '[]', created_at: NOW })),
    200,
  );
  await siyu.db('orders').where('order_no', 'like', 'N-1%').update({ source: 'pos:mall01' });
  await siyu.db('order_sources').insert({ key: 'mall01', name: '万达商城', store_id: null, active: true, secret_enc: 'x', created_at: NOW });
  return w;
}

/** The customer export as the old implementation built it: the list's pages by offset, then one toCsv. */
async function oldCustomerCsv(w: Awaited<ReturnType<typeof world>>, who: Who, filter: string) {
  const items: Array<{ id: number; name: string; phoneMasked: string | null; stage: string; storeId: number | null; ownerUserId: string | null; tags: string[] }> = [];
  for (let offset = 0; ; offset += 100) {
    const page = await w.as(who, 'GET', `/customers?limit=100&offset=${offset}${filter}`);
    items.push(...page.json.items);
    if (page.json.items.length < 100) break;
  }
  const staff = new Map((await w.siyu.db('staff').select('wecom_userid', 'name')).map((s) => [s.wecom_userid as string, s.name as string]));
  const stores = new Map((await w.siyu.db('stores').select('id', 'name')).map((s) => [Number(s.id), s.name as string]));
  const name = <K>(m: Map<K, string>, k: K | null) => (k === null ? '' : (m.get(k) ?? '未知'));
  return toCsv(
    ['客户编号', '姓名', '手机号', '阶段', '门店', '归属导购', '标签'],
    items.map((c) => [c.id, c.name, c.phoneMasked, stageLabel(c.stage), name(stores, c.storeId), name(staff, c.ownerUserId), c.tags.join('|')]),
  );
}

test('the streamed customer export is byte for byte what the old one-piece export was, for each scope and filter', async (t) => {
  const w = await world(t);
  const cases: Array<[Who, string]> = [
    ['hq', ''],
    ['mgr1', ''],
    ['hq', `&tag=${encodeURIComponent('已购买')}`],
    ['mgr2', '&stage=repeat'],
    ['hq', `&q=${encodeURIComponent('逗号')}`],
  ];
  for (const [who, filter] of cases) {
    const res = await w.raw(who, `/export/customers.csv?${filter.slice(1)}`);
    t.is(res.status, 200);
    const body = await text(res);
    const expected = await oldCustomerCsv(w, who, filter);
    t.is(body, expected, `${who} ${filter}`);
    const rows = expected.trimEnd().split('\r\n').length - 1;
    t.true(rows > 0);
    t.is(res.headers.get('x-export-rows'), String(rows));
    t.is(res.headers.get('x-total-count'), String(rows));
    t.is(res.headers.get('x-export-truncated'), '0');
  }
  t.true((await oldCustomerCsv(w, 'hq', '')).split('\r\n').length > 1200, 'the export spans several batches');
  const audit = await w.siyu.db('audit_log').orderBy('id');
  t.is(audit.length, cases.length);
  t.like(JSON.parse(audit[0].detail), { role: 'hq_admin', rows: 1237, total: 1237, truncated: false });
});

test('the streamed order export is byte for byte the old export: newest first, scoped, names and labels', async (t) => {
  const w = await world(t);
  const stores = new Map((await w.siyu.db('stores').select('id', 'name')).map((s) => [Number(s.id), s.name as string]));
  for (const [who, scope] of [
    ['hq', undefined],
    ['mgr1', w.stores.s1],
  ] as const) {
    const q = w.siyu.db('orders as o').leftJoin('customers as c', 'c.id', 'o.customer_id').orderBy('o.id', 'desc').select('o.*', 'c.name as customer_name');
    if (scope !== undefined) q.where('o.store_id', scope);
    const orders = await q;
    const expected = toCsv(
      ['订单编号', '来源', '客户编号', '客户姓名', '门店', '金额(元)', '支付时间', '状态'],
      orders.map((o) => [o.order_no, o.source === 'pos' ? '收银/商场' : '万达商城', Number(o.customer_id), o.customer_name, stores.get(Number(o.store_id)), (Number(o.amount_fen) / 100).toFixed(2), shanghai(Number(o.paid_at)), '已支付']),
    );
    const res = await w.raw(who, '/export/orders.csv');
    t.is(res.status, 200);
    t.is(await text(res), expected, who);
    t.is(res.headers.get('x-export-rows'), String(orders.length));
  }
});

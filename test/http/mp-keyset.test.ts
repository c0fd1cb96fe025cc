import test from 'ava';
import { mpWorld, type Who } from '../support/mp-world.js';

type Page = { status: number; json: { items: Array<{ id: number; dueAt?: string }>; total: number; totalCapped: boolean; nextCursor: string | null; error?: { code: string; message: string } } };

/** A store each with customers of several reps, some tagged, some repeat buyers, some in an RFM segment. */
async function world(t: Parameters<typeof mpWorld>[0]) {
  const w = await mpWorld(t);
  const { siyu, stores } = w;
  const owners: Array<[number, string]> = [
    [stores.s1, 'rep1a'],
    [stores.s1, 'rep1b'],
    [stores.s2, 'rep2'],
  ];
  const [tagId] = await siyu.db('tags').insert({ group_name: '客户行为', name: '已购买', kind: 'behaviour', created_at: 1 });
  for (let i = 0; i < 45; i++) {
    const [store, owner] = owners[i % 3]!;
    const id = await w.customer(i % 4 ? `张${i}` : `李${i}`, store, owner, `1380000${String(1000 + i)}`);
    if (i % 2) await siyu.db('customers').where({ id }).update({ stage: 'repeat' });
    if (i % 3 === 1) await siyu.db('customer_tags').insert({ customer_id: id, tag_id: tagId, source: 'order', created_at: 1 });
    if (i % 5 === 0) await siyu.db('customer_rfm').insert({ customer_id: id, store_id: store, r: 5, f: 5, m: 5, segment: 'important_value', run_id: 1, computed_at: 1 });
  }
  return w;
}

/** Every page of a list by cursor, calling between(page number) after each page. */
async function walk(get: (path: string) => Promise<Page>, path: string, between: (n: number) => Promise<void> = async () => {}) {
  const seen: number[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 100; n++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page = await get(cursor === null ? path : `${path}${sep}cursor=${encodeURIComponent(cursor)}`);
    if (page.status !== 200) throw new Error(`${path}: ${page.status} ${JSON.stringify(page.json)}`);
    seen.push(...page.json.items.map((i) => i.id));
    cursor = page.json.nextCursor;
    if (cursor === null) return seen;
    await between(n);
  }
  throw new Error('no last page');
}

const LISTS: Array<[Who, string]> = [
  ['hq', '/customers'],
  ['hq', '/customers?segment=important_value'],
  ['hq', `/customers?tag=${encodeURIComponent('已购买')}`],
  ['hq', '/customers?stage=repeat'],
  ['mgr1', `/customers?stage=repeat&tag=${encodeURIComponent('已购买')}`],
  ['mgr1', '/customers'],
  ['rep1a', `/customers?q=${encodeURIComponent('张')}`],
  ['hq', '/customers?q=1007'],
  ['hq', `/customers?storeId=`],
];

test('pages by cursor hold exactly the rows of the offset list, in the same order, for each role and filter', async (t) => {
  const w = await world(t);
  const get = (who: Who) => (p: string) => w.as(who, 'GET', p) as Promise<Page>;
  for (const [who, base] of LISTS) {
    const path = base.endsWith('storeId=') ? `/customers?storeId=${w.stores.s2}` : base;
    const all = (await get(who)(`${path}${path.includes('?') ? '&' : '?'}limit=100`)).json;
    t.true(all.items.length > 0, path);
    t.is(all.total, all.items.length, path);
    t.false(all.totalCapped);
    t.is(all.nextCursor, null, `${path}: one page holds everything`);
    const viaCursor = await walk(get(who), `${path}${path.includes('?') ? '&' : '?'}limit=4`);
    t.deepEqual(viaCursor, all.items.map((i) => i.id), `${who} ${path}`);
    const viaOffset: number[] = [];
    for (let offset = 0; offset < all.total; offset += 4) viaOffset.push(...(await get(who)(`${path}${path.includes('?') ? '&' : '?'}limit=4&offset=${offset}`)).json.items.map((i) => i.id));
    t.deepEqual(viaOffset, viaCursor, `${who} ${path}: offset pages still work`);
  }
  // The rep sees only their customers, the manager only their store.
  const rep = await w.siyu.db('customers').where({ owner_userid: 'rep1a' }).where('name', 'like', '张%').orderBy('id', 'desc').pluck('id');
  t.deepEqual(await walk(get('rep1a'), `/customers?q=${encodeURIComponent('张')}&limit=3`), rep.map(Number));
});

test('rows inserted while a list is paged are neither repeated nor push other rows off', async (t) => {
  const w = await world(t);
  const before = (await w.as('hq', 'GET', '/customers?limit=100')).json.items.map((i: { id: number }) => i.id);
  let extra = 0;
  const seen = await walk(
    (p) => w.as('hq', 'GET', p) as Promise<Page>,
    '/customers?limit=5',
    async () => {
      await w.customer(`新客${extra++}`, w.stores.s1, 'rep1a');
    },
  );
  t.true(extra > 3);
  t.is(new Set(seen).size, seen.length, 'no row twice');
  t.deepEqual(seen, before, 'every row that existed, once, newest first (new rows are on pages already passed)');
});

test('tasks page by (due date, id): ties in the due date are neither repeated nor skipped', async (t) => {
  const w = await world(t);
  const task = async (due: number, staff = 'rep1a') => {
    const [id] = await w.siyu.db('tasks').insert({ store_id: w.stores.s1, customer_id: null, staff_userid: staff, kind: 'followup', title: '回访', due_at: due, status: 'open', created_at: 1 });
    return Number(id);
  };
  for (let i = 0; i < 17; i++) await task(i % 3 === 0 ? 1000 : 2000);
  await task(1500, 'rep1b');
  const expected = (await w.siyu.db('tasks').where({ status: 'open', store_id: w.stores.s1 }).orderBy([{ column: 'due_at' }, { column: 'id' }]).pluck('id')).map(Number);
  const get = (who: Who) => (p: string) => w.as(who, 'GET', p) as Promise<Page>;
  let added = 0;
  const seen = await walk(get('mgr1'), '/tasks?scope=store&limit=4', async (n) => {
    // A task due earlier than the page we are on: it belongs to pages already read, so it is not shown.
    if (n === 1) {
      await task(999);
      added++;
    }
  });
  t.is(added, 1);
  t.deepEqual(seen, expected);
  const mine = (await w.siyu.db('tasks').where({ status: 'open', staff_userid: 'rep1a' }).orderBy([{ column: 'due_at' }, { column: 'id' }]).pluck('id')).map(Number);
  t.deepEqual(await walk(get('rep1a'), '/tasks?limit=5'), mine, 'a rep’s own tasks, from the first page again');
});

test('a tampered, foreign or malformed cursor is refused with 400 in Chinese and writes nothing', async (t) => {
  const w = await world(t);
  const first = (await w.as('hq', 'GET', '/customers?limit=3')).json as Page['json'];
  const cursor = first.nextCursor!;
  const audit = async () => Number((await w.siyu.db('audit_log').count({ n: '*' }))[0]!.n);
  const auditBefore = await audit();
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const tasks = (await w.as('mgr1', 'GET', '/tasks?scope=store&limit=1')).json as Page['json'];
  const bad = [
    `/customers?cursor=${encodeURIComponent(flip(cursor, 3))}`,
    `/customers?cursor=${encodeURIComponent(flip(cursor, cursor.length - 1))}`,
    `/customers?cursor=${encodeURIComponent(cursor.split('.')[0]!)}`,
    '/customers?cursor=garbage',
    `/customers?stage=repeat&cursor=${encodeURIComponent(cursor)}`,
    `/tasks?scope=store&cursor=${encodeURIComponent(cursor)}`,
    `/customers?cursor=${encodeURIComponent(String(tasks.nextCursor ?? 'x.y'))}`,
  ];
  for (const path of bad) {
    const r = await w.as('hq', 'GET', path);
    t.is(r.status, 400, path);
    t.is(r.json.error.code, 'PAGE.BAD_CURSOR', path);
    t.regex(r.json.error.message, /游标/, path);
  }
  const both = await w.as('hq', 'GET', `/customers?offset=3&cursor=${encodeURIComponent(cursor)}`);
  t.is(both.status, 400);
  t.is(both.json.error.code, 'PAGE.CURSOR_WITH_OFFSET');
  t.regex(both.json.error.message, /[\u4e00-\u9fff]/);
  const long = await w.as('hq', 'GET', `/customers?cursor=${'a'.repeat(201)}`);
  t.is(long.status, 400);
  t.is(await audit(), auditBefore);
  // The good cursor still reads the next page after all that.
  const next = await w.as('hq', 'GET', `/customers?limit=3&cursor=${encodeURIComponent(cursor)}`);
  t.is(next.status, 200);
  t.true(next.json.items[0].id < first.items[2]!.id);
});

test('past 10,000 matching customers the total is capped and says so; pages go on', async (t) => {
  const w = await mpWorld(t);
  const { LIST_COUNT_CAP } = await import('../../src/domain/mp/mp.service.js');
  await w.siyu.db.batchInsert('customers', Array.from({ length: LIST_COUNT_CAP + 3 }, (_, i) => ({ name: `客户${i}`, store_id: w.stores.s2, owner_userid: 'rep2', stage: 'new', created_at: 1, updated_at: 1 })), 400);
  const first = await w.as('hq', 'GET', '/customers?limit=100');
  t.like(first.json, { total: LIST_COUNT_CAP, totalCapped: true });
  const deep = await w.as('hq', 'GET', `/customers?limit=100&offset=${LIST_COUNT_CAP}`);
  t.is(deep.json.items.length, 3, 'the offset API still reaches past the cap');
  const mgr = await w.as('mgr1', 'GET', '/customers');
  t.like(mgr.json, { total: 0, totalCapped: false, nextCursor: null });
});

test('orders page by (paid time, id) newest first, in the mini-program and the admin API; ties neither repeat nor vanish', async (t) => {
  const w = await world(t);
  const ids = (await w.siyu.db('customers').orderBy('id').pluck('id')).map(Number);
  await w.siyu.db.batchInsert(
    'orders',
    Array.from({ length: 23 }, (_, i) => ({ store_id: i % 2 ? w.stores.s1 : w.stores.s2, customer_id: ids[i]!, source: 'pos', order_no: `K-${i}`, amount_fen: 100, status: 'paid', paid_at: 5000 - (i % 4) * 1000, channel_id: null, items: '[]', created_at: 1 })),
    100,
  );
  const expect = async (store?: number) => {
    const q = w.siyu.db('orders').orderBy([{ column: 'paid_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    if (store !== undefined) q.where({ store_id: store });
    return (await q.pluck('id')).map(Number);
  };
  let added = 0;
  const hq = await walk((p) => w.as('hq', 'GET', p) as Promise<Page>, '/orders?limit=4', async (n) => {
    // A newer order lands on pages already read: it is not shown again, nothing is pushed off.
    if (n === 0) added += (await w.siyu.db('orders').insert({ store_id: w.stores.s1, customer_id: ids[0]!, source: 'pos', order_no: 'K-new', amount_fen: 1, status: 'paid', paid_at: 9000, channel_id: null, items: '[]', created_at: 1 })).length;
  });
  t.is(added, 1);
  t.deepEqual(hq, (await expect()).slice(1), 'every order that existed, once, in order');
  t.deepEqual(await walk((p) => w.as('mgr1', 'GET', p) as Promise<Page>, '/orders?limit=3'), await expect(w.stores.s1));
  const { admin } = await import('../support/app.js');
  const api = admin(w.siyu);
  const viaAdmin = await walk(async (p) => {
    const r = await api.get(`/api${p}`);
    return { status: r.status, json: r.json } as Page;
  }, `/orders?limit=5&storeId=${w.stores.s2}`);
  t.deepEqual(viaAdmin, await expect(w.stores.s2));
  const bad = await api.get(`/api/orders?storeId=${w.stores.s1}&cursor=${encodeURIComponent((await api.get(`/api/orders?limit=1&storeId=${w.stores.s2}`)).json.nextCursor)}`);
  t.is(bad.status, 400);
  t.is(bad.json.error.code, 'PAGE.BAD_CURSOR');
});

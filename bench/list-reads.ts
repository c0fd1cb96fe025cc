/**
 * Times the mini-program's list reads on a seeded database (npm run seed): each read as today's
 * code shaped it (COUNT(*) of the whole selection + OFFSET, filters by correlated EXISTS) and
 * through the current repo (capped count, keyset pages). Figures are ratios within one run: the
 * box is shared and noisy.
 *   node --import tsx bench/list-reads.ts mysql://root@127.0.0.1:3306/siyu_c_100k [runs]
 */
import { createDb } from '../src/persistence/db.js';
import { SqlMpRepo } from '../src/persistence/mp.repo.js';
import { SqlOrderRepo } from '../src/persistence/order.repo.js';
import { LIST_COUNT_CAP } from '../src/shared/cursor.js';
import type { QueryScope } from '../src/domain/access/access.js';
import type { Knex } from 'knex';

const url = process.argv[2]!;
const runs = Number(process.argv[3] ?? 7);
const db = createDb({ mysqlUrl: url.startsWith('mysql') ? url : undefined, sqliteFile: url.startsWith('mysql') ? ':memory:' : url, poolMax: 2 });

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; max: number }> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)]!, max: ms[ms.length - 1]! };
}

/** Today's list query, as src/persistence/mp.repo.ts shaped it before keyset pages. */
function oldList(scope: QueryScope, f: { q?: string; tag?: string; segment?: string; stage?: string }, offset: number) {
  const q = db('customers').whereNull('customers.merged_into');
  if (scope.kind === 'store') q.where('customers.store_id', scope.storeId);
  if (scope.kind === 'owner') q.where('customers.owner_userid', scope.ownerUserId);
  if (f.q) q.whereRaw("customers.name like ? escape '!'", [`%${f.q}%`]);
  if (f.stage) q.where('customers.stage', f.stage);
  if (f.segment) q.whereExists((s) => s.select(db.raw('1')).from('customer_rfm').whereRaw('customer_rfm.customer_id = customers.id').where('customer_rfm.segment', f.segment!));
  if (f.tag) q.whereExists((s) => s.select(db.raw('1')).from('customer_tags').join('tags', 'tags.id', 'customer_tags.tag_id').whereRaw('customer_tags.customer_id = customers.id').where('tags.name', f.tag!));
  return Promise.all([q.clone().count({ n: '*' }), q.orderBy('customers.id', 'desc').limit(20).offset(offset).select('customers.id')]);
}

async function main() {
  const repo = new SqlMpRepo(db);
  const orders = new SqlOrderRepo(db);
  const store = Number((await db('customers').whereNotNull('store_id').groupBy('store_id').orderByRaw('count(*) desc').first('store_id')).store_id);
  const rep = String((await db('customers').where({ store_id: store }).whereNotNull('owner_userid').groupBy('owner_userid').orderByRaw('count(*) desc').first('owner_userid')).owner_userid);
  const tag = String((await db('tags as t').join('customer_tags as ct', 'ct.tag_id', 't.id').groupBy('t.name').orderByRaw('count(*) desc').first('t.name as name')).name);
  const segment = String((await db('customer_rfm').groupBy('segment').orderByRaw('count(*) desc').first('segment')).segment);
  const name = String((await db('customers').where({ owner_userid: rep }).first('name')).name).slice(0, 1);
  const deepId = Number((await db('customers').orderBy('id', 'desc').offset(5000).first('id')).id);
  const hq: QueryScope = { kind: 'all' };
  const mgr: QueryScope = { kind: 'store', storeId: store };
  const own: QueryScope = { kind: 'owner', ownerUserId: rep };
  const cases: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
    ['customers, first page (HQ)', () => oldList(hq, {}, 0), () => repo.listCustomers(hq, {}, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    ['customers, page 250 (HQ; new: by cursor)', () => oldList(hq, {}, 5000), () => repo.listCustomers(hq, {}, { limit: 20, offset: 0, beforeId: deepId, countCap: LIST_COUNT_CAP })],
    [`customers by RFM segment (HQ)`, () => oldList(hq, { segment }, 0), () => repo.listCustomers(hq, { segment }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [`customers by tag (HQ)`, () => oldList(hq, { tag }, 0), () => repo.listCustomers(hq, { tag }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [`customers by name (rep)`, () => oldList(own, { q: name }, 0), () => repo.listCustomers(own, { q: name }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [`customers by phone tail (HQ)`, () => oldList(hq, { q: '1234' }, 0), () => repo.listCustomers(hq, { q: '1234' }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [`manager: customers by stage`, () => oldList(mgr, { stage: 'repeat' }, 0), () => repo.listCustomers(mgr, { stage: 'repeat' }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [`manager: customers by tag`, () => oldList(mgr, { tag }, 0), () => repo.listCustomers(mgr, { tag }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [`manager: customers by segment`, () => oldList(mgr, { segment }, 0), () => repo.listCustomers(mgr, { segment }, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP })],
    [
      'manager: open tasks (store)',
      () => Promise.all([db('tasks').where({ status: 'open', store_id: store }).count({ n: '*' }), db('tasks').where({ status: 'open', store_id: store }).orderBy([{ column: 'due_at' }, { column: 'id' }]).limit(20)]),
      () => repo.listOpenTasks(mgr, { limit: 20, offset: 0, countCap: LIST_COUNT_CAP }),
    ],
    [
      'orders, first page (admin, all)',
      () => Promise.all([db('orders').count({ n: '*' }), db('orders').orderBy([{ column: 'paid_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(20)]),
      () => orders.listOrders({ limit: 20, offset: 0, countCap: LIST_COUNT_CAP }),
    ],
  ];
  console.log(`| read (${(await db('customers').count({ n: '*' }))[0]!.n} customers; ${runs} runs) | before p50 | before max | after p50 | after max |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const [label, before, after] of cases) {
    const b = process.env.SKIP_BEFORE ? { p50: NaN, max: NaN } : await time(before);
    const a = await time(after);
    console.log(`| ${label} | ${b.p50.toFixed(1)} ms | ${b.max.toFixed(1)} ms | ${a.p50.toFixed(1)} ms | ${a.max.toFixed(1)} ms |`);
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => (db as Knex).destroy());

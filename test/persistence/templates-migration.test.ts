import test from 'ava';
import { createDb, migrateLatest, migrationConfig } from '../../src/persistence/db.js';
import { backendName, freshDatabase } from '../support/backends.js';

const MIGRATION = '20261207190000_templates_single_braces';

test(`[${backendName}] the migration rewrites {{name}} to {name} in every stored text, leaves other text alone, and down restores welcomes`, async (t) => {
  const db = createDb(await freshDatabase(t));
  t.teardown(() => db.destroy());
  // A database as it was before the migration (a pooled MariaDB database is already at the latest).
  await migrateLatest(db);
  await db.migrate.down({ ...migrationConfig, name: MIGRATION });
  t.false((await db('knex_migrations').pluck('name')).includes(MIGRATION));

  const channel = (code: string, welcome: string) => ({ code, name: code, kind: 'poster', staff_userids: '[]', welcome_text: welcome, tags: '[]', attributes: '{}', created_at: 1, updated_at: 1 });
  await db('channels').insert([
    channel('c1', '您好{{name}}，欢迎来到3号楼！'),
    channel('c2', '{{ name }}您好{{name}}'),
    channel('c3', '欢迎光临，{{ 门店 }} 与 {不是变量} 原样保留'),
    channel('c4', '没有变量'),
  ]);
  const rule = { name: 'r', scope: 'both', match_kind: 'contains', pattern: 'x', created_at: 1, updated_at: 1 };
  await db('bot_rules').insert([{ ...rule, reply: '{{name}}您好，{store}欢迎您' }, { ...rule, reply: '{name}您好' }]);
  await db('bot_templates').insert({ store_id: 0, key: 'fallback', text: '{{name}}，没听懂', updated_at: 1 });
  const steps = JSON.stringify([{ type: 'send', text: '感谢{{name}}！券码 {{coupon}}', coupon: true }, { type: 'task', title: '回访{name}' }]);
  await db('journeys').insert({ name: 'j', trigger: 'order_paid', steps, created_at: 1, updated_at: 1 });
  const touch = (key: string, status: string) => ({ idem_key: key, customer_id: 1, step_index: 0, kind: 'message', payload: JSON.stringify({ text: '感谢{{name}}' }), status, due_at: 1, created_at: 1 });
  await db('touches').insert([touch('pending', 'pending'), touch('sent', 'sent')]);
  // More rows than one page of the migration, so paging is exercised.
  for (let i = 0; i < 520; i += 100) await db('channels').insert(Array.from({ length: Math.min(100, 520 - i) }, (_, k) => channel(`p${i + k}`, `第${i + k}位{{name}}`)));

  await db.migrate.up({ ...migrationConfig, name: MIGRATION });

  const welcome = async (code: string) => (await db('channels').where({ code }).first()).welcome_text as string;
  t.is(await welcome('c1'), '您好{name}，欢迎来到3号楼！');
  t.is(await welcome('c2'), '{name}您好{name}');
  t.is(await welcome('c3'), '欢迎光临，{{ 门店 }} 与 {不是变量} 原样保留');
  t.is(await welcome('c4'), '没有变量');
  t.is(await welcome('p519'), '第519位{name}');
  t.is(Number((await db('channels').where('welcome_text', 'like', '%{{name}}%').count({ n: '*' }))[0]!.n), 0);
  t.deepEqual(await db('bot_rules').orderBy('id').pluck('reply'), ['{name}您好，{store}欢迎您', '{name}您好']);
  t.is((await db('bot_templates').first()).text, '{name}，没听懂');
  t.deepEqual(JSON.parse((await db('journeys').first()).steps), [{ type: 'send', text: '感谢{name}！券码 {coupon}', coupon: true }, { type: 'task', title: '回访{name}' }]);
  t.is(JSON.parse((await db('touches').where({ idem_key: 'pending' }).first()).payload).text, '感谢{name}');
  t.is(JSON.parse((await db('touches').where({ idem_key: 'sent' }).first()).payload).text, '感谢{{name}}', 'a sent touch keeps the text it went out with');

  await db.migrate.down({ ...migrationConfig, name: MIGRATION });
  t.is(await welcome('c1'), '您好{{name}}，欢迎来到3号楼！');
  t.is(await welcome('p7'), '第7位{{name}}');
  await db.migrate.up({ ...migrationConfig, name: MIGRATION });
  t.is(await welcome('c1'), '您好{name}，欢迎来到3号楼！');
});

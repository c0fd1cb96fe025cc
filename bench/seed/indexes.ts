/**
 * MariaDB only: the big tables load without their secondary indexes, which are built once at the
 * end (a sorted build instead of millions of random B-tree inserts once the tables outgrow the
 * buffer pool). The indexes are read from information_schema first and rebuilt with the same
 * names, columns and uniqueness, so the schema after seeding is exactly what migrations made,
 * whoever's migrations they were. One index per foreign-key column stays (InnoDB needs it).
 */
import type { Knex } from 'knex';

/** Tables the seed writes in bulk and does not read back by a secondary index while loading. */
export const DEFERRED_TABLES = ['customer_events', 'scans', 'orders', 'customer_follows', 'customer_identities', 'customer_tags', 'leads', 'tasks', 'outbox', 'coupon_claims', 'survey_answers'];

interface Index {
  table: string;
  name: string;
  unique: boolean;
  columns: string[];
}

type Row = Record<string, any>;
const rowsOf = (r: unknown): Row[] => (Array.isArray(r) ? (r[0] as Row[]) : []);

export async function dropSecondaryIndexes(db: Knex, tables: string[]): Promise<Index[]> {
  const stats = rowsOf(
    await db.raw(
      `SELECT TABLE_NAME t, INDEX_NAME n, NON_UNIQUE nu, SEQ_IN_INDEX s, COLUMN_NAME c, SUB_PART sp FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY' AND TABLE_NAME IN (${tables.map(() => '?').join(', ')}) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      tables,
    ),
  );
  const fks = rowsOf(await db.raw(`SELECT TABLE_NAME t, COLUMN_NAME c FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL`));
  const byKey = new Map<string, Index>();
  for (const s of stats) {
    const key = `${s.t}.${s.n}`;
    let i = byKey.get(key);
    if (!i) byKey.set(key, (i = { table: s.t, name: s.n, unique: Number(s.nu) === 0, columns: [] }));
    i.columns.push(s.sp ? `\`${s.c}\`(${Number(s.sp)})` : `\`${s.c}\``);
  }
  const needed = new Set(fks.map((f) => `${f.t}.\`${f.c}\``));
  const dropped: Index[] = [];
  for (const i of byKey.values()) {
    const lead = `${i.table}.${i.columns[0]}`;
    if (needed.has(lead)) {
      // This index serves a foreign key: keep it (the first one found per column).
      needed.delete(lead);
      continue;
    }
    dropped.push(i);
  }
  for (const table of new Set(dropped.map((i) => i.table))) {
    await db.raw(`ALTER TABLE \`${table}\` ${dropped.filter((i) => i.table === table).map((i) => `DROP INDEX \`${i.name}\``).join(', ')}`);
  }
  return dropped;
}

export async function restoreIndexes(db: Knex, dropped: Index[]): Promise<void> {
  for (const table of new Set(dropped.map((i) => i.table))) {
    const adds = dropped.filter((i) => i.table === table).map((i) => `ADD ${i.unique ? 'UNIQUE ' : ''}INDEX \`${i.name}\` (${i.columns.join(', ')})`);
    await db.raw(`ALTER TABLE \`${table}\` ${adds.join(', ')}`);
  }
}

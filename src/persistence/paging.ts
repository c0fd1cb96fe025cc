import type { Knex } from 'knex';

/**
 * How many rows a list query matches, counted up to cap + 1: a count that stops early costs what
 * reading cap rows through the query's index costs, where COUNT(*) over a million-row selection
 * reads all of it on every page.
 */
export async function cappedCount(db: Knex, q: Knex.QueryBuilder, idColumn: string, cap: number): Promise<number> {
  const inner = q.clone().clearSelect().clearOrder().select(idColumn).limit(cap + 1).as('capped');
  const [row] = await db.count({ n: '*' }).from(inner);
  return Number((row as { n: number | string } | undefined)?.n ?? 0);
}

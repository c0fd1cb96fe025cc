/**
 * What a knex `raw()` returns differs by driver: mysql2 gives [rows or ResultSetHeader, fields],
 * better-sqlite3 gives the rows or a RunResult. Repos that need a count or rows from a raw
 * statement read it through these two instead of each guessing the shape.
 */

/** Rows written by a raw INSERT/UPDATE/DELETE on either driver. */
export function affectedRows(res: unknown): number {
  const r = Array.isArray(res) ? res[0] : res;
  const o = r as { affectedRows?: number; changes?: number };
  return Number(o.affectedRows ?? o.changes ?? 0);
}

/** Rows of a raw SELECT on either driver. */
export function selectedRows<T>(res: unknown, mysql: boolean): T[] {
  return (mysql ? (res as [T[]])[0] : res) as T[];
}

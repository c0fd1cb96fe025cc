import type { Knex } from 'knex';
import { DAY_MS, HIGH_SCORE, SEGMENTS, emptyCounts, isSegment, type Segment } from '../domain/segment/rfm.js';
import type { RfmRepo, RfmRun, RfmRunCounts, SegmentMove } from '../domain/segment/segment.ports.js';
import { dbClient } from './db.js';
import { affectedRows, selectedRows } from './raw-results.js';

/** Leaving customers handled per statement: bounded memory on a night when many leave at once. */
const LEAVERS_PER_PASS = 1000;

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** SQL CASE naming the segment from columns r, f, m, generated from the domain's table. */
const segmentCase = `CASE ${SEGMENTS.map((s) => `WHEN r ${s.r ? '>=' : '<'} ${HIGH_SCORE} AND f ${s.f ? '>=' : '<'} ${HIGH_SCORE} AND m ${s.m ? '>=' : '<'} ${HIGH_SCORE} THEN '${s.code}'`).join(' ')} END`;

/** Who is scored: bought at least once, not merged into another record, not erased. `c` is the customers alias. */
const scoredWhere = (c: string) => `${c}order_count >= 1 AND ${c}merged_into IS NULL AND ${c}erased_at IS NULL AND ${c}last_purchase_at IS NOT NULL`;

/**
 * RFM in SQL, set-at-a-time, writing only what changed. Per batch of stores, one INSERT … SELECT
 * with window functions computes every score into a temporary table; an UPDATE … JOIN then
 * rewrites only the scores whose r, f, m or store differ and an INSERT adds the new ones, so on
 * a usual night most customers keep their quintiles and nothing of theirs is written. A changed
 * row carries the run that changed it (run_id) and the segment before that run (prev_segment),
 * from which the history records segment changes only. Customers of the batch's stores who are
 * no longer scored leave in the same transaction. Nothing per customer travels to Node except
 * leavers, a thousand at a time. MySQL/MariaDB and SQLite differ in integer division, UPDATE with
 * a join, temporary tables and insert-or-ignore syntax; both variants live here and are tested on both.
 */
export class SqlRfmRepo implements RfmRepo {
  private readonly mysql: boolean;

  constructor(private readonly db: Knex) {
    this.mysql = dbClient(db) === 'mysql';
  }

  async startRun(now: number): Promise<number> {
    const [id] = await this.db('rfm_runs').insert({ started_at: now });
    return Number(id);
  }

  async listStoreIds(): Promise<number[]> {
    return (await this.db('stores').orderBy('id').pluck('id')).map(Number);
  }

  /**
   * Quintile score of a RANK(): 1 + floor(5 × (rank − 1) / n), rank 1 being the worst value of
   * the store. RANK gives ties the same (lowest) rank, so ties share a score (see domain/segment/rfm.ts).
   */
  private quintile(orderBy: string): string {
    const div = this.mysql ? 'DIV' : '/';
    return `1 + (5 * (RANK() OVER (PARTITION BY store_id ORDER BY ${orderBy}) - 1)) ${div} COUNT(*) OVER (PARTITION BY store_id)`;
  }

  /**
   * The statements of one batch. The scores are first computed into a temporary table (the
   * batch's scored customers, keyed by id): the UPDATE … JOIN reads it (at 100k on MariaDB, half
   * the time of an upsert that skips unchanged rows), and finding who left becomes a probe into
   * it before the wide customers row (probing customers for every score cost as much as
   * computing the scores).
   */
  private batchSql(n: number) {
    const m = this.mysql;
    const inStores = `store_id IN (${placeholders(n)})`;
    const recency = m ? `(? - last_purchase_at) DIV ${DAY_MS}` : `(CAST(? AS INTEGER) - last_purchase_at) / ${DAY_MS}`;
    const compute = `INSERT INTO rfm_batch (customer_id, store_id, r, f, m, segment)
      SELECT customer_id, store_id, r, f, m, ${segmentCase} FROM (
        SELECT id AS customer_id, store_id,
          ${this.quintile(`${recency} DESC`)} AS r,
          ${this.quintile('order_count')} AS f,
          ${this.quintile('total_spent_fen')} AS m
        FROM customers WHERE ${inStores} AND ${scoredWhere('')}
      ) s`;
    // Only rows whose scores or store differ are written (the segment follows from r, f and m).
    // prev_segment keeps the segment before this run (a retried batch of the same run leaves it);
    // it is assigned first, so it reads the old row whether MariaDB assigns left to right or not.
    const differs = (c: string) => `(${c}r <> b.r OR ${c}f <> b.f OR ${c}m <> b.m OR ${c}store_id <> b.store_id)`;
    // `to`: how the SET names the row's columns (SQLite: unqualified); `c`: how values read them.
    const set = (to: string, c: string) => `${to}prev_segment = CASE WHEN ${c}run_id = ? THEN ${c}prev_segment ELSE ${c}segment END,
           ${to}run_id = ?, ${to}computed_at = ?, ${to}store_id = b.store_id, ${to}r = b.r, ${to}f = b.f, ${to}m = b.m, ${to}segment = b.segment`;
    const update = m
      ? `UPDATE customer_rfm c JOIN rfm_batch b ON b.customer_id = c.customer_id SET ${set('c.', 'c.')} WHERE ${differs('c.')}`
      : `UPDATE customer_rfm SET ${set('', 'customer_rfm.')} FROM rfm_batch b WHERE b.customer_id = customer_rfm.customer_id AND ${differs('customer_rfm.')}`;
    const insert = `INSERT INTO customer_rfm (customer_id, store_id, r, f, m, segment, prev_segment, run_id, computed_at)
      SELECT b.customer_id, b.store_id, b.r, b.f, b.m, b.segment, NULL, ?, ? FROM rfm_batch b
      WHERE NOT EXISTS (SELECT 1 FROM customer_rfm c WHERE c.customer_id = b.customer_id)`;
    const ignore = m ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
    const history = `${ignore} INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment)
      SELECT run_id, customer_id, store_id, prev_segment, segment FROM customer_rfm
      WHERE run_id = ? AND ${inStores} AND (prev_segment IS NULL OR prev_segment <> segment)`;
    // Scores of these stores not computed in this batch, whose customer is scored nowhere any more
    // (merged, erased, refunded to no orders, no store). A customer who moved to another store is
    // not leaving: the batch of the new store rewrites their row (or has already, if it came first).
    // Found by a plain SELECT (index-only on customer_rfm, then a probe into the batch: a DELETE
    // with these subqueries read and locked every score of the stores), LEAVERS_PER_PASS at a time.
    const leaving = `SELECT customer_id, store_id, segment FROM customer_rfm WHERE ${inStores}
      AND NOT EXISTS (SELECT 1 FROM rfm_batch b WHERE b.customer_id = customer_rfm.customer_id)
      AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = customer_rfm.customer_id AND c.store_id IS NOT NULL AND ${scoredWhere('c.')})
      LIMIT ${LEAVERS_PER_PASS}`;
    return {
      // Temporary: private to the connection and gone with it. Creating or dropping one does not
      // end MariaDB's transaction; it is dropped first in case a failed batch left it behind.
      drop: m ? 'DROP TEMPORARY TABLE IF EXISTS rfm_batch' : 'DROP TABLE IF EXISTS temp.rfm_batch',
      create: `CREATE TEMPORARY TABLE rfm_batch (customer_id INTEGER NOT NULL PRIMARY KEY, store_id INTEGER NOT NULL, r TINYINT NOT NULL, f TINYINT NOT NULL, m TINYINT NOT NULL, segment VARCHAR(24) NOT NULL)`,
      compute,
      update,
      insert,
      history,
      leaving,
      ignore,
    };
  }

  async scoreStores(runId: number, now: number, storeIds: readonly number[]): Promise<{ scored: number; changed: number; left: number }> {
    if (!storeIds.length) return { scored: 0, changed: 0, left: 0 };
    const sql = this.batchSql(storeIds.length);
    return this.db.transaction(async (trx) => {
      await trx.raw(sql.drop);
      await trx.raw(sql.create);
      const scored = affectedRows(await trx.raw(sql.compute, [now, ...storeIds]));
      await trx.raw(sql.update, [runId, runId, now]);
      await trx.raw(sql.insert, [runId, now]);
      const changed = affectedRows(await trx.raw(sql.history, [runId, ...storeIds]));
      let left = 0;
      for (;;) {
        const rows = selectedRows<{ customer_id: number; store_id: number; segment: string }>(await trx.raw(sql.leaving, storeIds), this.mysql);
        if (!rows.length) break;
        await trx.raw(`${sql.ignore} INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment) VALUES ${rows.map(() => '(?, ?, ?, ?, NULL)').join(', ')}`, rows.flatMap((r) => [runId, r.customer_id, r.store_id, r.segment]));
        left += await trx('customer_rfm').whereIn('customer_id', rows.map((r) => r.customer_id)).delete();
        if (rows.length < LEAVERS_PER_PASS) break;
      }
      await trx.raw(sql.drop);
      return { scored, changed, left };
    });
  }

  /** Scores of customers in stores that no longer exist leave here; scoreStores handled everyone else. */
  async finishRun(runId: number, finishedAt: number): Promise<{ left: number; customers: number; counts: RfmRunCounts }> {
    return this.db.transaction(async (trx) => {
      const count = async () =>
        (await trx('customer_rfm').select('store_id', 'segment').count({ n: '*' }).groupBy('store_id', 'segment')) as Array<{ store_id: number; segment: string; n: number | string }>;
      let rows = await count();
      // Usually none: the sweep (and a second count) only when a counted store is gone.
      const stores = new Set((await trx('stores').pluck('id')).map(Number));
      let left = 0;
      if (rows.some((r) => !stores.has(Number(r.store_id)))) {
        const gone = 'FROM customer_rfm WHERE store_id NOT IN (SELECT id FROM stores)';
        await trx.raw(`${this.mysql ? 'INSERT IGNORE' : 'INSERT OR IGNORE'} INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment) SELECT ?, customer_id, store_id, segment, NULL ${gone}`, [runId]);
        left = affectedRows(await trx.raw(`DELETE ${gone}`));
        rows = await count();
      }
      const counts: RfmRunCounts = { total: emptyCounts(), byStore: {} };
      let customers = 0;
      for (const r of rows) {
        if (!isSegment(r.segment)) continue;
        const n = Number(r.n);
        (counts.byStore[String(r.store_id)] ??= emptyCounts())[r.segment] += n;
        counts.total[r.segment] += n;
        customers += n;
      }
      await trx('rfm_runs').where('id', runId).update({ finished_at: finishedAt, customers, segment_counts: JSON.stringify(counts) });
      return { left, customers, counts };
    });
  }

  async findRun(id: number): Promise<RfmRun | undefined> {
    const r = await this.db('rfm_runs').where('id', id).first();
    if (!r) return undefined;
    return {
      id: Number(r.id),
      startedAt: Number(r.started_at),
      finishedAt: r.finished_at == null ? null : Number(r.finished_at),
      customers: r.customers == null ? null : Number(r.customers),
      counts: r.segment_counts ? (JSON.parse(r.segment_counts) as RfmRunCounts) : null,
    };
  }

  async countSegments(storeId?: number): Promise<Array<{ storeId: number; segment: Segment; customers: number }>> {
    const q = this.db('customer_rfm').select('store_id', 'segment').count({ n: '*' }).groupBy('store_id', 'segment');
    if (storeId !== undefined) q.where('store_id', storeId);
    const rows = (await q) as Array<{ store_id: number; segment: string; n: number | string }>;
    return rows.filter((r) => isSegment(r.segment)).map((r) => ({ storeId: Number(r.store_id), segment: r.segment as Segment, customers: Number(r.n) }));
  }

  async countMoves(fromRun: number, toRun: number, storeId?: number): Promise<SegmentMove[]> {
    const at = `(SELECT h.to_segment FROM rfm_history h WHERE h.customer_id = c.customer_id AND h.run_id <= ? ORDER BY h.run_id DESC LIMIT 1)`;
    const res = await this.db.raw(
      `SELECT from_segment, to_segment, COUNT(*) AS n FROM (
         SELECT c.customer_id, ${at} AS from_segment, ${at} AS to_segment
         FROM (SELECT DISTINCT customer_id FROM rfm_history WHERE run_id > ? AND run_id <= ?${storeId === undefined ? '' : ' AND store_id = ?'}) c
       ) t GROUP BY from_segment, to_segment`,
      [fromRun, toRun, fromRun, toRun, ...(storeId === undefined ? [] : [storeId])],
    );
    const seg = (s: unknown) => (isSegment(s) ? s : null);
    return selectedRows<{ from_segment: string | null; to_segment: string | null; n: number | string }>(res, this.mysql).map((r) => ({
      from: seg(r.from_segment),
      to: seg(r.to_segment),
      customers: Number(r.n),
    }));
  }
}

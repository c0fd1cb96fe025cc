import type { Knex } from 'knex';
import { DAY_MS, HIGH_SCORE, SEGMENTS } from '../../src/domain/segment/rfm.js';
import type { RfmRunCounts } from '../../src/domain/segment/segment.ports.js';
import { dbClient } from '../../src/persistence/db.js';
import { affectedRows } from '../../src/persistence/raw-results.js';
import { SqlRfmRepo } from '../../src/persistence/rfm.repo.js';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const segmentCase = `CASE ${SEGMENTS.map((s) => `WHEN r ${s.r ? '>=' : '<'} ${HIGH_SCORE} AND f ${s.f ? '>=' : '<'} ${HIGH_SCORE} AND m ${s.m ? '>=' : '<'} ${HIGH_SCORE} THEN '${s.code}'`).join(' ')} END`;

/**
 * The nightly RFM as it was until December 2026 (commit 61ecf90): every scored row upserted
 * every night, customers not rewritten by the run leave at its end. Kept in the tests only, as
 * the reference the write-only-changes version must match (scores, segments, history).
 */
export class LegacyRfmRepo extends SqlRfmRepo {
  private readonly legacyMysql: boolean;

  constructor(private readonly knex: Knex) {
    super(knex);
    this.legacyMysql = dbClient(knex) === 'mysql';
  }

  private q(orderBy: string): string {
    return `1 + (5 * (RANK() OVER (PARTITION BY store_id ORDER BY ${orderBy}) - 1)) ${this.legacyMysql ? 'DIV' : '/'} COUNT(*) OVER (PARTITION BY store_id)`;
  }

  override async scoreStores(runId: number, now: number, storeIds: readonly number[]): Promise<{ scored: number; changed: number; left: number }> {
    if (!storeIds.length) return { scored: 0, changed: 0, left: 0 };
    const m = this.legacyMysql;
    const recency = m ? `(? - last_purchase_at) DIV ${DAY_MS}` : `(CAST(? AS INTEGER) - last_purchase_at) / ${DAY_MS}`;
    const select = `SELECT customer_id, store_id, r, f, m, ${segmentCase} AS segment, NULL AS prev_segment, ? AS run_id, ? AS computed_at
      FROM (SELECT id AS customer_id, store_id, ${this.q(`${recency} DESC`)} AS r, ${this.q('order_count')} AS f, ${this.q('total_spent_fen')} AS m
        FROM customers
        WHERE store_id IN (${placeholders(storeIds.length)}) AND order_count >= 1 AND merged_into IS NULL AND erased_at IS NULL AND last_purchase_at IS NOT NULL) s`;
    const cols = '(customer_id, store_id, r, f, m, segment, prev_segment, run_id, computed_at)';
    const upsert = m
      ? `INSERT INTO customer_rfm ${cols} ${select}
         ON DUPLICATE KEY UPDATE
           prev_segment = IF(customer_rfm.run_id = VALUES(run_id), customer_rfm.prev_segment, customer_rfm.segment),
           store_id = VALUES(store_id), r = VALUES(r), f = VALUES(f), m = VALUES(m), segment = VALUES(segment),
           run_id = VALUES(run_id), computed_at = VALUES(computed_at)`
      : `INSERT INTO customer_rfm ${cols} ${select} WHERE true
         ON CONFLICT(customer_id) DO UPDATE SET
           prev_segment = CASE WHEN customer_rfm.run_id = excluded.run_id THEN customer_rfm.prev_segment ELSE customer_rfm.segment END,
           store_id = excluded.store_id, r = excluded.r, f = excluded.f, m = excluded.m, segment = excluded.segment,
           run_id = excluded.run_id, computed_at = excluded.computed_at`;
    const history = `${m ? 'INSERT IGNORE' : 'INSERT OR IGNORE'} INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment)
      SELECT run_id, customer_id, store_id, prev_segment, segment FROM customer_rfm
      WHERE store_id IN (${placeholders(storeIds.length)}) AND run_id = ? AND (prev_segment IS NULL OR prev_segment <> segment)`;
    return this.knex.transaction(async (trx) => {
      await trx.raw(upsert, [runId, now, now, ...storeIds]);
      const changed = affectedRows(await trx.raw(history, [...storeIds, runId]));
      const [row] = await trx('customer_rfm').whereIn('store_id', storeIds).andWhere('run_id', runId).count({ n: '*' });
      return { scored: Number(row?.n ?? 0), changed, left: 0 };
    });
  }

  override async finishRun(runId: number, finishedAt: number): Promise<{ left: number; customers: number; counts: RfmRunCounts }> {
    await this.knex.raw(
      `${this.legacyMysql ? 'INSERT IGNORE' : 'INSERT OR IGNORE'} INTO rfm_history (run_id, customer_id, store_id, from_segment, to_segment)
       SELECT ?, customer_id, store_id, segment, NULL FROM customer_rfm WHERE run_id < ?`,
      [runId, runId],
    );
    const left = await this.knex('customer_rfm').where('run_id', '<', runId).delete();
    // The counting part did not change: the new finishRun does it (nothing is left to remove).
    const fin = await super.finishRun(runId, finishedAt);
    return { ...fin, left };
  }
}

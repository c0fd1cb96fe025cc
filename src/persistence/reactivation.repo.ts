import type { Knex } from 'knex';
import type { QueryScope } from '../domain/access/access.js';
import { DAY_MS, isSegment } from '../domain/segment/rfm.js';
import type { ArmCounts } from '../domain/segment/reactivation.js';
import type { DormantCustomer, DormantQuery, LiftScope, NewReactivationEntry, ReactivationRepo } from '../domain/segment/segment.ports.js';
import { dbClient } from './db.js';
import { affectedRows, selectedRows } from './raw-results.js';
import { applyScope } from './scope.js';

export class SqlReactivationRepo implements ReactivationRepo {
  private readonly mysql: boolean;

  constructor(private readonly db: Knex) {
    this.mysql = dbClient(db) === 'mysql';
  }

  async listDormant(q: DormantQuery): Promise<DormantCustomer[]> {
    // Each store's own threshold, else the default: cutoff = now - days * DAY_MS, per row.
    const cutoff = this.db.raw('? - COALESCE(s.dormant_days, ?) * ?', [q.now, q.dormantDays, DAY_MS]);
    const touchedSince = q.now - q.notTouchedWithinDays * DAY_MS;
    const rows = await this.db('customers as c')
      .leftJoin('customer_rfm as r', 'r.customer_id', 'c.id')
      .leftJoin('stores as s', 's.id', 'c.store_id')
      .select('c.id', 'c.store_id', 'r.segment')
      .where((b) => (q.storeId === undefined ? b.whereNotNull('c.store_id') : b.where('c.store_id', q.storeId)))
      .andWhere('c.id', '>', q.afterId ?? 0)
      .andWhere('c.order_count', '>=', 1)
      .whereNull('c.merged_into')
      .andWhere('c.opted_out', false)
      .andWhere('c.last_purchase_at', '<=', cutoff)
      .andWhere((b) => b.whereNull('c.last_inbound_at').orWhere('c.last_inbound_at', '<=', cutoff))
      .whereNotExists((b) => b.select(this.db.raw('1')).from('reactivation_entries as e').whereRaw('e.customer_id = c.id').andWhere('e.entered_at', '>', touchedSince))
      .orderBy('c.id')
      .limit(q.limit);
    return (rows as Array<{ id: number; store_id: number; segment: string | null }>).map((r) => ({
      customerId: Number(r.id),
      storeId: Number(r.store_id),
      segment: isSegment(r.segment) ? r.segment : null,
    }));
  }

  async markDormant(customerIds: readonly number[], now: number): Promise<number> {
    if (!customerIds.length) return 0;
    return this.db('customers').whereIn('id', customerIds).whereIn('stage', ['new', 'repeat', 'reactivated']).update({ stage: 'dormant', updated_at: now });
  }

  async insertEntries(entries: readonly NewReactivationEntry[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < entries.length; i += 500) {
      const rows = entries.slice(i, i + 500).map((e) => ({
        customer_id: e.customerId,
        store_id: e.storeId,
        run_id: e.runId,
        segment: e.segment,
        arm: e.arm,
        entered_at: e.enteredAt,
      }));
      // Through raw so both drivers report the rows actually inserted (conflicts are skipped).
      const { sql, bindings } = this.db('reactivation_entries').insert(rows).onConflict(['run_id', 'customer_id']).ignore().toSQL();
      inserted += affectedRows(await this.db.raw(sql, bindings as Knex.RawBinding[]));
    }
    return inserted;
  }

  async countConversions(scope: LiftScope, conversionDays: number, within?: QueryScope): Promise<ArmCounts[]> {
    let where = 'runId' in scope ? 'e.run_id = ?' : 'e.entered_at >= ? AND e.entered_at < ?';
    const args: Array<string | number> = 'runId' in scope ? [scope.runId] : [scope.from, scope.to];
    if (within && within.kind !== 'all') {
      // The scope's WHERE clauses come from the one translator (store/scope.ts), as a subquery.
      const inScope = applyScope(this.db, this.db('reactivation_entries as e').select('e.id'), within, { store: 'e.store_id', customer: 'e.customer_id' }).toSQL();
      where += ` AND e.id IN (${inScope.sql})`;
      args.push(...(inScope.bindings as Array<string | number>));
    }
    const res = await this.db.raw(
      `SELECT segment, arm, COUNT(*) AS entered, SUM(converted) AS converted FROM (
         SELECT e.segment, e.arm,
           CASE WHEN EXISTS (
             SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id AND o.status = 'paid'
               AND o.paid_at > e.entered_at AND o.paid_at <= e.entered_at + ?
           ) THEN 1 ELSE 0 END AS converted
         FROM reactivation_entries e WHERE ${where}
       ) t GROUP BY segment, arm ORDER BY segment, arm`,
      [conversionDays * DAY_MS, ...args],
    );
    return selectedRows<{ segment: string | null; arm: string; entered: number | string; converted: number | string | null }>(res, this.mysql).map((r) => ({
      segment: isSegment(r.segment) ? r.segment : null,
      arm: r.arm === 'holdout' ? 'holdout' : 'treated',
      entered: Number(r.entered),
      converted: Number(r.converted ?? 0),
    }));
  }
}

import type { Knex } from 'knex';
import { transact } from './db.js';
import type { MergeJournal, MergeRecord, MergeRepo } from '../domain/customer/merge.js';
import type { MergeTx } from '../domain/customer/merge.service.js';
import { SqlCustomerRepo } from './customer.repo.js';
import { SqlMpRepo } from './mp.repo.js';

/** Tables whose rows simply follow the customer (moved by id). */
const BY_ID: Array<{ table: string; column: string }> = [
  { table: 'customer_identities', column: 'customer_id' },
  { table: 'customer_events', column: 'customer_id' },
  { table: 'leads', column: 'customer_id' },
  { table: 'consents', column: 'customer_id' },
  { table: 'callback_events', column: 'customer_id' },
  { table: 'conversations', column: 'customer_id' },
  { table: 'outbox', column: 'customer_id' },
  { table: 'tasks', column: 'customer_id' },
  { table: 'orders', column: 'customer_id' },
];

/** Tables keyed by (customer, something): the target's own row wins, the source's is dropped. */
const BY_KEY: Array<{ table: string; key: string }> = [
  { table: 'customer_tags', key: 'tag_id' },
  { table: 'customer_follows', key: 'staff_userid' },
  { table: 'coupon_claims', key: 'offer_key' },
];

/** Customer fields the target takes from the source when its own are empty. */
const FILLABLE = ['first_channel_id', 'owner_userid', 'store_id', 'avatar', 'phone_enc', 'phone_tail'];

export class SqlMergeRepo implements MergeRepo {
  constructor(private readonly db: Knex) {}

  async lockCustomers(ids: number[]): Promise<Array<{ id: number; mergedInto: number | null }>> {
    const q = this.db('customers').whereIn('id', ids).select('id', 'merged_into');
    // SQLite has no row locks (one writer at a time); MySQL locks both rows for the transaction.
    const rows = String(this.db.client.config.client).startsWith('mysql') ? await q.forUpdate() : await q;
    return rows.map((r: { id: number; merged_into: number | null }) => ({ id: Number(r.id), mergedInto: r.merged_into === null ? null : Number(r.merged_into) }));
  }

  async moveAll(sourceId: number, targetId: number): Promise<MergeJournal> {
    const j: MergeJournal = { movedIds: {}, movedKeys: {}, dropped: {}, filled: {} };
    for (const { table, column } of BY_ID) {
      const ids = (await this.db(table).where(column, sourceId).pluck('id')).map(Number);
      if (ids.length) await this.db(table).whereIn('id', ids).update({ [column]: targetId });
      j.movedIds[table] = ids;
    }
    for (const { table, key } of BY_KEY) {
      const mine = await this.db(table).where('customer_id', sourceId);
      const theirs = new Set((await this.db(table).where('customer_id', targetId).pluck(key)).map(String));
      const dup = mine.filter((r: Record<string, unknown>) => theirs.has(String(r[key])));
      const move = mine.filter((r: Record<string, unknown>) => !theirs.has(String(r[key]))).map((r: Record<string, unknown>) => String(r[key]));
      if (dup.length) await this.db(table).where('customer_id', sourceId).whereIn(key, dup.map((r: Record<string, unknown>) => r[key] as string)).delete();
      if (move.length) await this.db(table).where('customer_id', sourceId).whereIn(key, move).update({ customer_id: targetId });
      j.movedKeys[table] = move;
      j.dropped[table] = dup;
    }
    const [src, dst] = await Promise.all([this.db('customers').where({ id: sourceId }).first(), this.db('customers').where({ id: targetId }).first()]);
    const fill: Record<string, unknown> = {};
    for (const f of FILLABLE) {
      if ((dst[f] === null || dst[f] === '') && src[f] !== null && src[f] !== '') {
        j.filled[f] = dst[f];
        fill[f] = src[f];
      }
    }
    // Either half having said 退订 means the person did: the merged customer stays opted out.
    if (src.opted_out && !dst.opted_out) {
      j.filled.opted_out = dst.opted_out;
      fill.opted_out = src.opted_out;
    }
    if (Object.keys(fill).length) await this.db('customers').where({ id: targetId }).update(fill);
    return j;
  }

  async undo(sourceId: number, targetId: number, j: MergeJournal): Promise<void> {
    for (const { table, column } of BY_ID) {
      const ids = j.movedIds[table] ?? [];
      if (ids.length) await this.db(table).whereIn('id', ids).where(column, targetId).update({ [column]: sourceId });
    }
    for (const { table, key } of BY_KEY) {
      const keys = j.movedKeys[table] ?? [];
      if (keys.length) await this.db(table).where('customer_id', targetId).whereIn(key, keys).update({ customer_id: sourceId });
      const dropped = j.dropped[table] ?? [];
      if (dropped.length) await this.db(table).insert(dropped);
    }
    if (Object.keys(j.filled).length) await this.db('customers').where({ id: targetId }).update(j.filled);
  }

  async insertMerge(m: Omit<MergeRecord, 'id' | 'undoneAt'> & { journal: MergeJournal }): Promise<number> {
    const [id] = await this.db('customer_merges').insert({
      source_id: m.sourceId,
      target_id: m.targetId,
      reason: m.reason,
      actor: m.actor,
      journal: JSON.stringify(m.journal),
      created_at: m.createdAt,
    });
    return Number(id);
  }

  async findMerge(id: number): Promise<(MergeRecord & { journal: MergeJournal }) | undefined> {
    const r = await this.db('customer_merges').where({ id }).first();
    if (!r) return undefined;
    return {
      id: Number(r.id),
      sourceId: Number(r.source_id),
      targetId: Number(r.target_id),
      reason: r.reason,
      actor: r.actor,
      createdAt: Number(r.created_at),
      undoneAt: r.undone_at === null ? null : Number(r.undone_at),
      journal: JSON.parse(r.journal) as MergeJournal,
    };
  }

  async markUndone(id: number, at: number): Promise<void> {
    await this.db('customer_merges').where({ id }).update({ undone_at: at });
  }

  async setMergedInto(customerId: number, into: number | null): Promise<void> {
    await this.db('customers').where({ id: customerId }).update({ merged_into: into });
  }
}

export function mergeTransactor(db: Knex) {
  return {
    transaction: <T>(fn: (r: MergeTx) => Promise<T>): Promise<T> => transact(db, (trx) => fn({ merges: new SqlMergeRepo(trx), customers: new SqlCustomerRepo(trx), audit: new SqlMpRepo(trx) })),
  };
}

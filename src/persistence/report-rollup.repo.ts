import type { Knex } from 'knex';
import type { ReportRollupRepo, RollupAdvance } from '../domain/report/rollup.js';
import { DAY_MS, shanghaiDayStart } from '../shared/shanghai-time.js';
import { dbClient, transact } from './db.js';

/** A rollup of an append-only table: its key columns, and what each row adds to each counter. */
export interface RollupSource {
  name: string;
  table: string;
  rollup: string;
  keys: string[];
  /** Counter → SQL expression of one source row's contribution. */
  sums: Record<string, string>;
}

/**
 * Scans and leads are only ever inserted (erasure blanks a visitor id or a name, merges move a
 * lead's customer: none of that changes what is counted here), so a row counted once stays right.
 */
export const ROLLUPS = {
  scans: { name: 'scans', table: 'scans', rollup: 'scan_days', keys: ['channel_id'], sums: { scans: '1', visitors: 'CASE WHEN first_of_day THEN 1 ELSE 0 END' } },
  leads: { name: 'leads', table: 'leads', rollup: 'lead_days', keys: ['channel_id', 'staff_userid'], sums: { leads: '1' } },
} satisfies Record<string, RollupSource>;

export type Watermarks = Record<keyof typeof ROLLUPS, number>;

const SHANGHAI_OFFSET_MS = 8 * 3600_000; // UTC+8, as in shared/shanghai-time.ts
const DEFAULT_CHUNK = 100_000;
/** Rows per upsert statement (SQLite's compound limit is 500). */
const UPSERT_BATCH = 400;

/** SQL of the Asia/Shanghai midnight (UTC ms) of a ms column: integer division differs by dialect. */
function dayStartSql(db: Knex, col: string): string {
  const div = dbClient(db) === 'mysql' ? 'DIV' : '/';
  return `((${col} + ${SHANGHAI_OFFSET_MS}) ${div} ${DAY_MS}) * ${DAY_MS} - ${SHANGHAI_OFFSET_MS}`;
}

/**
 * Runs `fn` on one snapshot with the rollups' watermarks: the rollup rows and the rows after the
 * watermark are then read as of the same moment (a fold committing in between would otherwise
 * count its rows twice). InnoDB keeps one read view for a REPEATABLE READ transaction; SQLite's
 * read transaction is a snapshot too.
 */
export function withWatermarks<T>(db: Knex, fn: (trx: Knex.Transaction, w: Watermarks) => Promise<T>): Promise<T> {
  const run = async (trx: Knex.Transaction) => {
    const rows = (await trx('rollup_watermarks').select('name', 'last_id')) as Array<{ name: string; last_id: number | string }>;
    const at = (name: string) => Number(rows.find((r) => r.name === name)?.last_id ?? 0);
    return fn(trx, { scans: at('scans'), leads: at('leads') });
  };
  return dbClient(db) === 'mysql' ? db.transaction(run, { isolationLevel: 'repeatable read' }) : db.transaction(run);
}

/**
 * A source's counters in [from, to), summed per `by` (key columns and/or day_start) in each of up
 * to four parts the caller sums again: rollup rows of the whole Asia/Shanghai days inside the
 * range (source rows up to the watermark), the source's own rows after the watermark on those
 * days, and its rows on partial days at either end. Each part is grouped on its own so the
 * database never materialises more than one row per group and part.
 */
export function dayRows(db: Knex, s: RollupSource, watermark: number, q: { from: number; to: number; channelIds?: number[]; by: string[] }): Knex.Raw {
  const first = shanghaiDayStart(q.from) === q.from ? q.from : shanghaiDayStart(q.from) + DAY_MS;
  const last = shanghaiDayStart(q.to);
  const channels = (b: Knex.QueryBuilder) => (q.channelIds ? b.whereIn('channel_id', q.channelIds) : b);
  const counters = Object.keys(s.sums);
  const raw = (lo: number, hi: number, afterWatermark: boolean) =>
    channels(
      db(s.table)
        .select([...q.by.map((c) => (c === 'day_start' ? db.raw(`${dayStartSql(db, 'created_at')} as day_start`) : c)), ...counters.map((k) => db.raw(`SUM(${s.sums[k as keyof typeof s.sums]}) as ${k}`))])
        .where('created_at', '>=', lo)
        .andWhere('created_at', '<', hi)
        .groupBy(q.by),
    ).modify((b) => {
      if (afterWatermark) b.where('id', '>', watermark);
    });
  if (first >= last) return derived(db, [raw(q.from, q.to, false)]);
  const rolled = db(s.rollup)
    .select([...q.by, ...counters.map((k) => db.raw(`SUM(${k}) as ${k}`))])
    .where('day_start', '>=', first)
    .andWhere('day_start', '<', last)
    .groupBy(q.by);
  const branches = [channels(rolled), raw(first, last, true)];
  if (q.from < first) branches.push(raw(q.from, first, false));
  if (last < q.to) branches.push(raw(last, q.to, false));
  return derived(db, branches);
}

/**
 * `(a UNION ALL b …) as x`. Built from each part's SQL: knex's union puts the first part's
 * GROUP BY after the whole compound, and SQLite takes no parenthesised member.
 */
function derived(db: Knex, parts: Knex.QueryBuilder[]): Knex.Raw {
  const compiled = parts.map((p) => p.toSQL());
  return db.raw(`(${compiled.map((c) => c.sql).join(' UNION ALL ')}) as x`, compiled.flatMap((c) => [...c.bindings]));
}

export class SqlReportRollupRepo implements ReportRollupRepo {
  constructor(private readonly db: Knex) {}

  async advance(o: { now?: number; chunk?: number } = {}): Promise<RollupAdvance> {
    const folded: Record<string, number> = {};
    const behind: Record<string, number> = {};
    for (const s of Object.values(ROLLUPS)) {
      let n = 0;
      for (;;) {
        const r = await this.step(s, o.chunk ?? DEFAULT_CHUNK, o.now ?? Date.now());
        n += r.folded;
        folded[s.name] = n;
        if (r.done) {
          behind[s.name] = r.behind;
          break;
        }
      }
    }
    return { folded, behind };
  }

  /** One transaction: fold (last_id, min(seen_id, last_id + chunk)] in, and move the watermark. */
  private step(s: RollupSource, chunk: number, now: number): Promise<{ folded: number; done: boolean; behind: number }> {
    return transact(this.db, async (trx) => {
      const mark = () => {
        const q = trx('rollup_watermarks').where({ name: s.name }).first('last_id', 'seen_id');
        return dbClient(trx) === 'mysql' ? q.forUpdate() : q;
      };
      let wm = await mark();
      if (!wm) {
        await trx('rollup_watermarks').insert({ name: s.name, last_id: 0, seen_id: 0, updated_at: now }).onConflict('name').ignore();
        wm = await mark();
      }
      const last = Number(wm.last_id);
      const seen = Number(wm.seen_id);
      const hi = Math.min(seen, last + chunk);
      let folded = 0;
      if (hi > last) {
        folded = await this.fold(trx, s, last, hi);
        // Compare-and-set: a second runner that got here first makes this one roll back, not count twice.
        const moved = await trx('rollup_watermarks').where({ name: s.name, last_id: last }).update({ last_id: hi, updated_at: now });
        if (moved !== 1) throw new Error(`rollup ${s.name}: watermark moved under this run`);
      }
      if (hi < seen) return { folded, done: false, behind: seen - hi };
      const [row] = await trx(s.table).max({ m: 'id' });
      const max = Math.max(Number(row?.m ?? 0), seen);
      await trx('rollup_watermarks').where({ name: s.name }).update({ seen_id: max, updated_at: now });
      return { folded, done: true, behind: max - hi };
    });
  }

  /**
   * Aggregates with a plain read and upserts the (few) sums: an INSERT … SELECT would take shared
   * next-key locks on the source rows under InnoDB's REPEATABLE READ and hold back new scans.
   */
  private async fold(trx: Knex.Transaction, s: RollupSource, after: number, upTo: number): Promise<number> {
    const counters = Object.keys(s.sums);
    const sums = await trx(s.table)
      .select([...s.keys, trx.raw(`${dayStartSql(trx, 'created_at')} as day_start`), trx.raw('COUNT(*) as n'), ...counters.map((k) => trx.raw(`SUM(${s.sums[k as keyof typeof s.sums]}) as ${k}`))])
      .where('id', '>', after)
      .andWhere('id', '<=', upTo)
      .groupBy([...s.keys, 'day_start']);
    const mysql = dbClient(trx) === 'mysql';
    const add = Object.fromEntries(counters.map((k) => [k, trx.raw(mysql ? `${s.rollup}.${k} + VALUES(${k})` : `${s.rollup}.${k} + excluded.${k}`)]));
    let rows = 0;
    for (let i = 0; i < sums.length; i += UPSERT_BATCH) {
      const batch = sums.slice(i, i + UPSERT_BATCH).map((r: Record<string, unknown>) => {
        rows += Number(r.n);
        return Object.fromEntries([...s.keys, 'day_start', ...counters].map((c) => [c, c === 'day_start' || counters.includes(c) ? Number(r[c]) : r[c]]));
      });
      await trx(s.rollup).insert(batch).onConflict([...s.keys, 'day_start']).merge(add);
    }
    return rows;
  }
}

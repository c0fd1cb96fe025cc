import type { Knex } from 'knex';
import type { NewOutboxMessage, OptOutLookup, OutboxRepo, OutboxStats } from '../domain/outbox/outbox.ports.js';
import type { ConversationRef, OutboxMessage, OutboxStatus } from '../domain/outbox/outbox.types.js';

interface Row {
  id: number;
  account: string;
  dedupe_key: string | null;
  action: OutboxMessage['action'];
  target_kind: ConversationRef['kind'];
  target_id: string;
  text: string;
  mention_ids: string;
  customer_id: number | null;
  purpose: OutboxMessage['purpose'];
  status: OutboxStatus;
  attempts: number;
  due_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

const nn = (v: number | null) => (v === null ? null : Number(v));

const toMessage = (r: Row): OutboxMessage => ({
  id: Number(r.id),
  account: r.account,
  dedupeKey: r.dedupe_key,
  action: r.action,
  to: r.target_kind === 'room' ? { kind: 'room', roomId: r.target_id } : { kind: 'dm', contactId: r.target_id },
  text: r.text,
  mentionIds: JSON.parse(r.mention_ids) as string[],
  customerId: nn(r.customer_id),
  purpose: r.purpose,
  status: r.status,
  attempts: Number(r.attempts),
  dueAt: Number(r.due_at),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  sentAt: nn(r.sent_at),
});

const toRow = (m: NewOutboxMessage) => ({
  account: m.account,
  dedupe_key: m.dedupeKey,
  action: m.action,
  target_kind: m.to.kind,
  target_id: m.to.kind === 'room' ? m.to.roomId : m.to.contactId,
  text: m.text,
  mention_ids: JSON.stringify(m.mentionIds),
  customer_id: m.customerId,
  purpose: m.purpose,
  status: 'pending',
  attempts: 0,
  due_at: m.dueAt,
  created_at: m.createdAt,
});

const STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'failed', 'cancelled'];
/** Rows per multi-row INSERT: well under SQLite's bound-variable limit. */
const CHUNK = 500;

export class SqlOutboxRepo implements OutboxRepo {
  constructor(private readonly db: Knex) {}

  async insertMessages(rows: NewOutboxMessage[]): Promise<number[]> {
    const ids: Array<number | undefined> = new Array(rows.length);
    const keyed: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.dedupeKey === null) {
        // No key to read the row back by, so one INSERT each; these are replies, not bulk sends.
        const [id] = await this.db('outbox').insert(toRow(rows[i]!));
        ids[i] = Number(id);
      } else keyed.push(i);
    }
    for (let c = 0; c < keyed.length; c += CHUNK) {
      const part = keyed.slice(c, c + CHUNK).map((i) => rows[i]!);
      // The unique dedupe_key decides: a conflicting row is skipped and its id is read back.
      await this.db('outbox').insert(part.map(toRow)).onConflict('dedupe_key').ignore();
    }
    if (keyed.length) {
      const byKey = new Map<string, number>();
      const keys = [...new Set(keyed.map((i) => rows[i]!.dedupeKey!))];
      for (let c = 0; c < keys.length; c += CHUNK) {
        const found = await this.db('outbox').whereIn('dedupe_key', keys.slice(c, c + CHUNK)).select('id', 'dedupe_key');
        for (const r of found as Array<{ id: number; dedupe_key: string }>) byKey.set(r.dedupe_key, Number(r.id));
      }
      for (const i of keyed) ids[i] = byKey.get(rows[i]!.dedupeKey!);
    }
    return ids.map((id) => {
      if (id === undefined) throw new Error('outbox row not found after insert');
      return id;
    });
  }

  async claimDue(account: string, owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxMessage[]> {
    const claimable = (q: Knex.QueryBuilder) =>
      q
        .where('account', account)
        .where((w) =>
          w
            .where((p) => p.where('status', 'pending').where('due_at', '<=', now))
            .orWhere((s) => s.where('status', 'sending').where('lease_until', '<', now)),
        );
    const candidates: number[] = await claimable(this.db('outbox'))
      .orderBy([{ column: 'due_at' }, { column: 'id' }])
      .limit(limit)
      .pluck('id');
    if (!candidates.length) return [];
    // Read back by equality below, so it must survive the integer column unchanged.
    leaseUntil = Math.ceil(leaseUntil);
    // The conditional UPDATE is the claim: it re-checks claimability row by row, so of two
    // drainers that picked the same candidates only one matches each row. Taking over a row a
    // dead holder left in 'sending' (lease expired) may send it twice: delivery is at-least-once.
    // `attempts` comes first because MySQL evaluates SET left to right and would otherwise see
    // the new status; the takeover counts the attempt the dead holder may have made.
    await claimable(this.db('outbox').whereIn('id', candidates)).update({
      attempts: this.db.raw("CASE WHEN status = 'sending' THEN attempts + 1 ELSE attempts END"),
      status: 'sending',
      lease_owner: owner,
      lease_until: leaseUntil,
    });
    const rows: Row[] = await this.db('outbox')
      .whereIn('id', candidates)
      .where({ status: 'sending', lease_owner: owner, lease_until: leaseUntil })
      .orderBy([{ column: 'due_at' }, { column: 'id' }]);
    return rows.map(toMessage);
  }

  private held(id: number, owner: string) {
    return this.db('outbox').where({ id, status: 'sending', lease_owner: owner });
  }

  async markSent(id: number, owner: string, now: number): Promise<boolean> {
    const n = await this.held(id, owner).update({ status: 'sent', sent_at: now, attempts: this.db.raw('attempts + 1'), lease_owner: null, lease_until: null, last_error: null });
    return n > 0;
  }

  async reschedule(id: number, owner: string, r: { attempts: number; dueAt: number; lastError: string }): Promise<boolean> {
    const n = await this.held(id, owner).update({ status: 'pending', attempts: r.attempts, due_at: r.dueAt, last_error: r.lastError.slice(0, 255), lease_owner: null, lease_until: null });
    return n > 0;
  }

  async markFailed(id: number, owner: string, r: { attempts: number; lastError: string }): Promise<boolean> {
    const n = await this.held(id, owner).update({ status: 'failed', attempts: r.attempts, last_error: r.lastError.slice(0, 255), lease_owner: null, lease_until: null });
    return n > 0;
  }

  async cancel(id: number, reason: string, owner?: string): Promise<boolean> {
    const q = owner === undefined ? this.db('outbox').where({ id, status: 'pending' }) : this.held(id, owner);
    const n = await q.update({ status: 'cancelled', last_error: reason.slice(0, 255), lease_owner: null, lease_until: null });
    return n > 0;
  }

  async release(ids: number[], owner: string): Promise<void> {
    if (!ids.length) return;
    await this.db('outbox').whereIn('id', ids).where({ status: 'sending', lease_owner: owner }).update({ status: 'pending', lease_owner: null, lease_until: null });
  }

  async countByStatus(account: string): Promise<OutboxStats> {
    const rows = (await this.db('outbox').where({ account }).groupBy('status').select('status').count({ n: '*' })) as Array<{ status: OutboxStatus; n: number | string }>;
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
    for (const r of rows) counts[r.status] = Number(r.n);
    const oldest = (await this.db('outbox').where({ account, status: 'pending' }).min({ at: 'due_at' }).first()) as { at: number | string | null } | undefined;
    return { counts, oldestPendingDueAt: oldest?.at == null ? null : Number(oldest.at) };
  }

  async lastSentAt(account: string): Promise<number | null> {
    const r = (await this.db('outbox').where({ account, status: 'sent' }).max({ at: 'sent_at' }).first()) as { at: number | string | null } | undefined;
    return r?.at == null ? null : Number(r.at);
  }

  async listByCustomer(customerId: number, limit: number): Promise<OutboxMessage[]> {
    const rows: Row[] = await this.db('outbox')
      .where({ customer_id: customerId })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(limit);
    return rows.map(toMessage);
  }

  async findMessage(id: number): Promise<OutboxMessage | undefined> {
    const r: Row | undefined = await this.db('outbox').where({ id }).first();
    return r && toMessage(r);
  }
}

/** Opt-out as recorded on the customer; a customer merged into an opted-out one is opted out too. */
export class SqlCustomerOptOutRepo implements OptOutLookup {
  constructor(private readonly db: Knex) {}

  async optedOut(customerIds: number[]): Promise<Set<number>> {
    if (!customerIds.length) return new Set();
    const ids: number[] = await this.db('customers as c')
      .leftJoin('customers as m', 'm.id', 'c.merged_into')
      .whereIn('c.id', [...new Set(customerIds)])
      .where((w) => w.where('c.opted_out', true).orWhere('m.opted_out', true))
      .pluck('c.id');
    return new Set(ids.map(Number));
  }
}

import type { Knex } from 'knex';
import type { SettledWelcome } from '../domain/acquisition/acquisition.ports.js';
import type { EventQueueRepo, InboundEvent, NewInboundEvent } from '../domain/acquisition/event-queue.ports.js';

interface Row {
  id: number;
  dedupe_key: string;
  kind: string;
  payload: string;
  received_at: number;
  attempts: number;
  welcome?: string | null;
}

const toEvent = (r: Row): InboundEvent => ({
  id: Number(r.id),
  dedupeKey: r.dedupe_key,
  kind: r.kind,
  fields: JSON.parse(r.payload) as Record<string, unknown>,
  receivedAt: Number(r.received_at),
  attempts: Number(r.attempts),
  ...(r.welcome ? { welcome: JSON.parse(r.welcome) as SettledWelcome } : {}),
});

export class SqlCallbackEventRepo implements EventQueueRepo {
  constructor(private readonly db: Knex) {}

  async insertEvents(rows: NewInboundEvent[], owner: string, leaseUntil: number): Promise<void> {
    await this.db('callback_events')
      .insert(
        rows.map((r) =>
          r.needsWork === false
            ? { dedupe_key: r.dedupeKey, kind: r.kind.slice(0, 64), payload: JSON.stringify(r.fields), received_at: r.receivedAt, status: 'done', attempts: 0, lease_owner: null, lease_until: null, processed_at: r.receivedAt }
            : {
                dedupe_key: r.dedupeKey,
                kind: r.kind.slice(0, 64),
                payload: JSON.stringify(r.fields),
                received_at: r.receivedAt,
                status: 'processing',
                attempts: 1,
                lease_owner: owner,
                lease_until: leaseUntil,
                processed_at: null,
              },
        ),
      )
      .onConflict('dedupe_key')
      .ignore();
  }

  async ownedIds(keys: string[], owner: string): Promise<Map<string, number>> {
    const rows = await this.db('callback_events').whereIn('dedupe_key', keys).where({ lease_owner: owner }).select('id', 'dedupe_key');
    return new Map(rows.map((r: { id: number; dedupe_key: string }) => [r.dedupe_key, Number(r.id)]));
  }

  async claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboundEvent[]> {
    const candidates = await this.db('callback_events')
      .whereIn('status', ['pending', 'processing'])
      .where('lease_until', '<=', now)
      .orderBy('id')
      .limit(limit)
      .pluck('id');
    if (!candidates.length) return [];
    // The conditional update is the claim: of two sweepers, only one matches each row.
    await this.db('callback_events')
      .whereIn('id', candidates)
      .whereIn('status', ['pending', 'processing'])
      .where('lease_until', '<=', now)
      .update({ status: 'processing', lease_owner: owner, lease_until: leaseUntil, attempts: this.db.raw('attempts + 1') });
    const rows: Row[] = await this.db('callback_events').whereIn('id', candidates).where({ lease_owner: owner, status: 'processing' });
    return rows.map(toEvent);
  }

  async complete(id: number, customerId: number | null, now: number): Promise<void> {
    await this.db('callback_events').where({ id }).update({ status: 'done', customer_id: customerId, processed_at: now, lease_owner: null, lease_until: null, last_error: null });
  }

  async completeMany(rows: Array<{ id: number; customerId: number | null }>, now: number): Promise<void> {
    if (!rows.length) return;
    const withCustomer = rows.filter((r) => r.customerId !== null);
    const customerCase = withCustomer.length
      ? this.db.raw(`CASE id ${withCustomer.map(() => 'WHEN ? THEN ?').join(' ')} END`, withCustomer.flatMap((r) => [r.id, r.customerId]))
      : null;
    await this.db('callback_events')
      .whereIn('id', rows.map((r) => r.id))
      .update({ status: 'done', customer_id: customerCase, processed_at: now, lease_owner: null, lease_until: null, last_error: null });
  }

  async retryLater(id: number, error: string, at: number): Promise<void> {
    await this.db('callback_events').where({ id }).update({ status: 'pending', lease_owner: null, lease_until: at, last_error: error.slice(0, 255) });
  }

  async fail(id: number, error: string, now: number): Promise<void> {
    await this.db('callback_events').where({ id }).update({ status: 'failed', processed_at: now, lease_owner: null, lease_until: null, last_error: error.slice(0, 255) });
  }

  async deferAdds(rows: Array<{ id: number; welcome: SettledWelcome }>, leaseUntil: number): Promise<void> {
    if (!rows.length) return;
    const json = rows.map((r) => JSON.stringify(r.welcome));
    await this.db('callback_events')
      .whereIn('id', rows.map((r) => r.id))
      .where('status', 'processing')
      .update({ welcome: this.db.raw(`CASE id ${rows.map(() => 'WHEN ? THEN ?').join(' ')} END`, rows.flatMap((r, i) => [r.id, json[i]!])), lease_until: leaseUntil });
  }
}

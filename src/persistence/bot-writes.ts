import type { Knex } from 'knex';
import type { OutboxWriter, TimelineWriter } from '../domain/conversation/conversation.ports.js';
import type { TimelineEntry } from '../domain/customer/customer.types.js';
import { enqueueWith } from '../domain/outbox/outbox.service.js';
import type { OutboxRequest } from '../domain/outbox/outbox.types.js';
import type { Clock } from '../shared/clock.js';
import { SqlCustomerRepo } from './customer.repo.js';
import { IsolatingGroupCommit } from '../shared/group-commit.js';
import { SqlCustomerOptOutRepo, SqlOutboxRepo } from './outbox.repo.js';

/**
 * The bot's writes on the message path (outbox rows, timeline rows), group-committed: the
 * messages handled in one turn of the event loop share one transaction, so a burst of chats
 * costs a few commits instead of two per message. Each caller still waits for its own rows.
 */
/** last_inbound_at feeds dormancy (days) and "replied" branches (ticks of 30 s): a minute is fine. */
const INBOUND_RESOLUTION_MS = 60_000;
const INBOUND_MEMO_MAX = 50_000;

export function batchedBotWrites(db: Knex, clock: Clock): { outbox: OutboxWriter; timeline: TimelineWriter } {
  // Customers whose last_inbound_at this process moved recently: a chatty customer costs one
  // UPDATE a minute, not one per message.
  const written = new Map<number, number>();
  const outbox = new IsolatingGroupCommit<OutboxRequest[]>(
    (items) => db.transaction(async (trx) => void (await enqueueWith({ repo: new SqlOutboxRepo(trx), optOut: new SqlCustomerOptOutRepo(trx), clock }, items.flat()))),
    { maxBatch: 200 },
  );
  const timeline = new IsolatingGroupCommit<TimelineEntry[]>(
    (items) =>
      db.transaction(async (trx) => {
        const rows = items.flat();
        await new SqlCustomerRepo(trx).insertTimelines(rows);
        // Dormancy is "no purchase and no message": a message from the customer moves it on.
        const inbound = rows.filter((r) => r.kind === 'message_in' && (written.get(r.customerId) ?? 0) < r.occurredAt - INBOUND_RESOLUTION_MS);
        if (inbound.length) {
          const at = Math.max(...inbound.map((r) => r.occurredAt));
          const ids = [...new Set(inbound.map((r) => r.customerId))];
          for (const id of ids) {
            if (written.size >= INBOUND_MEMO_MAX) written.delete(written.keys().next().value!);
            written.set(id, at);
          }
          await trx('customers')
            .whereIn('id', ids)
            .andWhere((q) => q.whereNull('last_inbound_at').orWhere('last_inbound_at', '<', at))
            .update({ last_inbound_at: at });
        }
      }),
    { maxBatch: 200 },
  );
  return {
    outbox: { enqueue: (reqs) => outbox.add(reqs) },
    timeline: { insertTimelines: (rows) => (rows.length ? timeline.add(rows) : Promise.resolve()) },
  };
}

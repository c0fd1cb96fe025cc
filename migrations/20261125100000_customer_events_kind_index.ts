import type { Knex } from 'knex';

// The mini-program dashboard counts inbound messages (kind message_in) per day across a store;
// the only index led with customer_id, so each count scanned the whole timeline.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_events', (t) => {
    t.index(['kind', 'occurred_at'], 'customer_events_kind_occurred_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_events', (t) => {
    t.dropIndex(['kind', 'occurred_at'], 'customer_events_kind_occurred_at_index');
  });
}

import type { Knex } from 'knex';

// The dashboard counts a week of customers' messages by the customer's store and rep: with the customer in the index, no timeline row is read.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_events', (t) => {
    t.index(['kind', 'occurred_at', 'customer_id'], 'customer_events_kind_at_customer_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_events', (t) => {
    t.dropIndex(['kind', 'occurred_at', 'customer_id'], 'customer_events_kind_at_customer_idx');
  });
}

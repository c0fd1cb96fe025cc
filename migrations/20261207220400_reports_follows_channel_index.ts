import type { Knex } from 'knex';

// The funnel counts each channel's adds of a period: a range per channel, the customer read from the index.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_follows', (t) => {
    t.index(['channel_id', 'added_at', 'customer_id'], 'customer_follows_channel_added_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_follows', (t) => {
    t.dropIndex(['channel_id', 'added_at', 'customer_id'], 'customer_follows_channel_added_idx');
  });
}

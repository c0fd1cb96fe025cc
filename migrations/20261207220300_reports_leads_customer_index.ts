import type { Knex } from 'knex';

// The funnel asks, per lead or add, whether the same person left a lead on / added through the same channel: without this, each such question scanned every lead.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('leads', (t) => {
    t.index(['customer_id', 'channel_id'], 'leads_customer_channel_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('leads', (t) => {
    t.dropIndex(['customer_id', 'channel_id'], 'leads_customer_channel_idx');
  });
}

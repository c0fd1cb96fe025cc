import type { Knex } from 'knex';

// The mini-program dashboard counts adds per day across a store by added_at; no index had it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_follows', (t) => {
    t.index(['added_at'], 'customer_follows_added_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_follows', (t) => {
    t.dropIndex(['added_at'], 'customer_follows_added_at_index');
  });
}

import type { Knex } from 'knex';

// The results poll reads the awaiting template touches checked longest ago.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.index(['delivery', 'delivery_checked_at'], 'touches_delivery_checked_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.dropIndex(['delivery', 'delivery_checked_at'], 'touches_delivery_checked_idx');
  });
}

import type { Knex } from 'knex';

// The dashboard counts a week of paid orders across all stores: a range, not every order.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.index(['status', 'paid_at'], 'orders_status_paid_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['status', 'paid_at'], 'orders_status_paid_idx');
  });
}

import type { Knex } from 'knex';

// The dormant selection pages a store's customers in id order (keyset); with only
// (store_id, last_purchase_at) MariaDB range-scanned and re-sorted the whole store per page.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.index(['store_id', 'id'], 'customers_store_id_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropIndex(['store_id', 'id'], 'customers_store_id_id_index');
  });
}

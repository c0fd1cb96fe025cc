import type { Knex } from 'knex';

// customer_rfm.run_id now names the run that last CHANGED a row (scores, segment or store), not
// the last run that saw it: a night writes only the rows that changed, and finds them again by
// run to record the history. Without this index that lookup read every score of the stores.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_rfm', (t) => {
    t.index(['run_id', 'store_id'], 'customer_rfm_run_id_store_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_rfm', (t) => {
    t.dropIndex(['run_id', 'store_id'], 'customer_rfm_run_id_store_id_index');
  });
}

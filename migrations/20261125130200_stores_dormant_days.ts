import type { Knex } from 'knex';

// A store's own dormant threshold in days (no purchase and no message); NULL: the configured default.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.integer('dormant_days').unsigned().nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.dropColumn('dormant_days');
  });
}

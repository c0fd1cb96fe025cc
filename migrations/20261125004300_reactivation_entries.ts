import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per customer entered into a reactivation run, treated or held out. The journeys
  // engine writes them; dormant selection reads them (recently touched customers are skipped).
  await knex.schema.createTable('reactivation_entries', (t) => {
    t.bigIncrements('id').primary();
    t.integer('customer_id').unsigned().notNullable();
    t.integer('store_id').unsigned().notNullable();
    t.integer('run_id').unsigned().notNullable();
    t.string('segment', 24).nullable();
    // treated | holdout
    t.string('arm', 8).notNullable();
    t.bigInteger('entered_at').notNullable();
    t.bigInteger('converted_at').nullable();
    t.bigInteger('order_id').unsigned().nullable();
    // A run enters a customer once, however often it is retried.
    t.unique(['run_id', 'customer_id']);
    t.index(['customer_id', 'entered_at']);
    t.index(['entered_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reactivation_entries');
}

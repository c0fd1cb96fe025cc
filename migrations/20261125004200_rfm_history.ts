import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Segment changes only: a customer's segment at run N is the to_segment of their latest row
  // with run_id <= N. NULL from_segment = entered scoring, NULL to_segment = left it.
  await knex.schema.createTable('rfm_history', (t) => {
    t.bigIncrements('id').primary();
    t.integer('run_id').unsigned().notNullable();
    t.integer('customer_id').unsigned().notNullable();
    t.integer('store_id').unsigned().notNullable();
    t.string('from_segment', 24).nullable();
    t.string('to_segment', 24).nullable();
    t.index(['run_id', 'store_id']);
    t.unique(['customer_id', 'run_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rfm_history');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The current RFM scores of each scored customer (order_count >= 1, not merged). Rewritten by
  // every nightly run; rows of customers no longer scored are removed at the end of a run.
  await knex.schema.createTable('customer_rfm', (t) => {
    t.integer('customer_id').unsigned().primary();
    t.integer('store_id').unsigned().notNullable();
    t.tinyint('r').notNullable();
    t.tinyint('f').notNullable();
    t.tinyint('m').notNullable();
    t.string('segment', 24).notNullable();
    // The segment before the run that last wrote the row: a run records a history row where they differ.
    t.string('prev_segment', 24).nullable();
    t.integer('run_id').unsigned().notNullable();
    t.bigInteger('computed_at').notNullable();
    t.index(['store_id', 'segment']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_rfm');
}

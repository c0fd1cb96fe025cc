import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rfm_runs', (t) => {
    t.increments('id').primary();
    // The injected "now" the scores were computed for (recency is counted from it).
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.integer('customers').nullable();
    // JSON { total: { <segment>: n }, byStore: { <storeId>: { <segment>: n } } } after the run.
    t.text('segment_counts').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rfm_runs');
}

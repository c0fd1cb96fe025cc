import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('survey_answers', (t) => {
    t.bigIncrements('id').primary();
    t.integer('customer_id').unsigned().notNullable();
    // nps | birthday
    t.string('question', 32).notNullable();
    // What the question was about (an order, a journey touch); '' when asked on its own.
    t.string('ref', 128).notNullable().defaultTo('');
    t.string('value', 64).notNullable();
    t.integer('score').nullable();
    t.integer('store_id').unsigned().nullable();
    t.bigInteger('answered_at').notNullable();
    t.unique(['customer_id', 'question', 'ref']);
    t.index(['question', 'answered_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_answers');
}

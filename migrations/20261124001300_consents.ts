import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consents', (t) => {
    t.bigIncrements('id').primary();
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    // e.g. 'privacy' — what was agreed to; text_version says which wording was shown.
    t.string('purpose', 32).notNullable();
    t.string('text_version', 32).notNullable();
    t.string('source', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['customer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('consents');
}

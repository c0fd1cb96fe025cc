import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_merges', (t) => {
    t.increments('id').primary();
    t.integer('source_id').unsigned().notNullable().references('id').inTable('customers');
    t.integer('target_id').unsigned().notNullable().references('id').inTable('customers');
    t.string('reason', 200).notNullable().defaultTo('');
    t.string('actor', 64).notNullable();
    // Exactly what moved and what was dropped as a duplicate, so the merge can be undone.
    t.text('journal', 'mediumtext').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('undone_at').nullable();
    t.index(['source_id']);
    t.index(['target_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_merges');
}

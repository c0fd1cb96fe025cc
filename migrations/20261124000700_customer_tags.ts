import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_tags', (t) => {
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    t.integer('tag_id').unsigned().notNullable().references('id').inTable('tags');
    t.string('source', 32).notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['customer_id', 'tag_id']);
    t.index(['tag_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_tags');
}

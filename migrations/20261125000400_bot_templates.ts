import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bot_templates', (t) => {
    t.increments('id').primary();
    // 0: the default of every store (a NULL would not be unique on MySQL or SQLite).
    t.integer('store_id').unsigned().notNullable().defaultTo(0);
    t.string('key', 48).notNullable();
    t.text('text').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['store_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bot_templates');
}

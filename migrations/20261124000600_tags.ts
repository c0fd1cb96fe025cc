import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tags', (t) => {
    t.increments('id').primary();
    t.string('group_name', 30).notNullable();
    t.string('name', 30).notNullable();
    // attribute (where they came from) | behaviour (what they did)
    t.string('kind', 16).notNullable();
    t.string('wecom_tag_id', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['group_name', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tags');
}

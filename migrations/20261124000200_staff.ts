import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff', (t) => {
    t.increments('id').primary();
    t.integer('store_id').unsigned().nullable().references('id').inTable('stores');
    t.string('wecom_userid', 64).notNullable().unique();
    t.string('name', 64).notNullable().defaultTo('');
    t.string('role', 16).notNullable().defaultTo('rep');
    t.boolean('active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('staff');
}

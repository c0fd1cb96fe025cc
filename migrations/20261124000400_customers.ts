import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customers', (t) => {
    t.increments('id').primary();
    t.integer('store_id').unsigned().nullable().references('id').inTable('stores');
    t.string('name', 64).notNullable().defaultTo('');
    t.string('avatar', 512).nullable();
    t.tinyint('gender').notNullable().defaultTo(0);
    t.string('owner_userid', 64).nullable();
    t.integer('first_channel_id').unsigned().nullable().references('id').inTable('channels');
    t.string('stage', 16).notNullable().defaultTo('lead');
    t.boolean('opted_out').notNullable().defaultTo(false);
    t.integer('merged_into').unsigned().nullable();
    // Client-chosen key of a row created in a multi-row INSERT, so the batch can read its ids
    // back without relying on consecutive auto-increment values (not guaranteed on MySQL 8).
    t.string('create_ref', 24).nullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['store_id', 'created_at']);
    t.index(['first_channel_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customers');
}

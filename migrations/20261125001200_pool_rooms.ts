import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pool_rooms', (t) => {
    t.increments('id').primary();
    t.integer('pool_id').unsigned().notNullable().references('id').inTable('room_pools');
    t.integer('position').notNullable();
    // The room as the bot sees it, and as WeCom's API names it.
    t.string('room_id', 128).notNullable().unique();
    t.string('chat_id', 64).notNullable();
    t.string('topic', 64).notNullable().defaultTo('');
    t.integer('member_count').notNullable().defaultTo(0);
    // active | full
    t.string('status', 8).notNullable().defaultTo('active');
    t.unique(['pool_id', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pool_rooms');
}

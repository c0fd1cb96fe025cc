import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('room_pools', (t) => {
    t.increments('id').primary();
    t.integer('store_id').unsigned().nullable();
    t.string('purpose', 64).notNullable().unique();
    t.string('name', 64).notNullable();
    t.integer('threshold').notNullable();
    // WeCom's group join way (groupchat/add_join_way) and its QR.
    t.string('join_config_id', 64).nullable();
    t.string('join_qr_code', 512).nullable();
    // synced | pending | failed
    t.string('sync_state', 12).notNullable().defaultTo('pending');
    t.string('sync_error', 255).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('room_pools');
}

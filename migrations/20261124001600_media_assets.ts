import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('media_assets', (t) => {
    t.increments('id').primary();
    // Content address: the same image uploaded twice is one asset.
    t.string('sha1', 40).notNullable().unique();
    t.string('content_type', 32).notNullable();
    t.integer('size').notNullable();
    // MEDIUMBLOB on MySQL (up to 16 MB); SQLite stores any BLOB.
    t.specificType('bytes', 'mediumblob').notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('media_assets');
}

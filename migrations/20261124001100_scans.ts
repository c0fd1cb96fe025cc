import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scans', (t) => {
    t.bigIncrements('id').primary();
    t.integer('channel_id').unsigned().notNullable().references('id').inTable('channels');
    // First-party cookie id of the browser; the raw IP is never stored, only a keyed hash.
    t.string('visitor_id', 32).notNullable();
    t.string('ip_hash', 64).notNullable();
    t.string('user_agent', 255).notNullable().defaultTo('');
    // Asia/Shanghai calendar day (YYYYMMDD) the scan counts for.
    t.integer('day').notNullable();
    t.boolean('first_of_day').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['channel_id', 'day']);
    t.index(['channel_id', 'visitor_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('scans');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('room_daily_stats', (t) => {
    t.string('room_id', 128).notNullable();
    // Asia/Shanghai calendar day, YYYY-MM-DD
    t.string('day', 10).notNullable();
    t.integer('joins').notNullable().defaultTo(0);
    t.integer('leaves').notNullable().defaultTo(0);
    t.primary(['room_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('room_daily_stats');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The mini-program openids a staff member logs in with (one per WeChat account they bound).
  await knex.schema.createTable('staff_openids', (t) => {
    t.increments('id').primary();
    t.string('openid', 64).notNullable().unique();
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff');
    t.string('unionid', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['staff_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('staff_openids');
}

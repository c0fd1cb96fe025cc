import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Every mini-program access token carries the version it was issued under; bumping it
  // (logout, a stolen refresh token) makes all of that staff member's access tokens stop working.
  await knex.schema.alterTable('staff', (t) => {
    t.integer('token_version').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff', (t) => {
    t.dropColumn('token_version');
  });
}

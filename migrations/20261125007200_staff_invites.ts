import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Binding invites an admin issued: only the SHA-256 of the code is kept; single use.
  await knex.schema.createTable('staff_invites', (t) => {
    t.increments('id').primary();
    t.string('code_hash', 64).notNullable().unique();
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff');
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at').nullable();
    t.string('used_by_openid', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['staff_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('staff_invites');
}

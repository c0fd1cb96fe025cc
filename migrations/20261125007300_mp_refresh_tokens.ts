import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Mini-program refresh tokens (SHA-256 only). A login starts a family; each refresh marks its
  // token rotated and adds the next one; presenting a rotated token revokes the whole family.
  await knex.schema.createTable('mp_refresh_tokens', (t) => {
    t.bigIncrements('id').primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('family_id', 32).notNullable();
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff');
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('rotated_at').nullable();
    t.bigInteger('revoked_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['family_id']);
    t.index(['staff_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mp_refresh_tokens');
}

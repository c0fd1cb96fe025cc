import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Who saw or exported personal data: staff id, action, target, time and a keyed hash of the
  // client address (the address itself is personal data too).
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.integer('staff_id').unsigned().notNullable();
    t.string('action', 48).notNullable();
    t.string('target_type', 32).notNullable();
    t.string('target_id', 64).notNullable();
    t.bigInteger('at').notNullable();
    t.string('ip_hash', 64).nullable();
    t.text('detail').notNullable();
    t.index(['target_type', 'target_id', 'at']);
    t.index(['staff_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('callback_events', (t) => {
    t.bigIncrements('id').primary();
    // sha1 over the fields that identify one WeCom event: retries and duplicates collide here.
    t.string('dedupe_key', 40).notNullable().unique();
    t.string('kind', 64).notNullable();
    t.text('payload').notNullable();
    t.bigInteger('received_at').notNullable();
    // pending | processing | done | failed
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('lease_owner', 40).nullable();
    t.bigInteger('lease_until').nullable();
    t.string('last_error', 255).nullable();
    t.integer('customer_id').unsigned().nullable();
    t.bigInteger('processed_at').nullable();
    t.index(['status', 'lease_until']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('callback_events');
}

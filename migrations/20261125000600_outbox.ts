import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id').primary();
    // The bot account that must send it (one bot process per account drains its rows).
    t.string('account', 64).notNullable();
    // Makes enqueueing idempotent (a retried job or redelivered message enqueues once).
    t.string('dedupe_key', 160).nullable().unique();
    // say | remove (take a member out of a room)
    t.string('action', 8).notNullable().defaultTo('say');
    t.string('target_kind', 8).notNullable();
    t.string('target_id', 128).notNullable();
    t.text('text').notNullable();
    t.text('mention_ids').notNullable();
    t.integer('customer_id').unsigned().nullable();
    // reply | marketing | system | welcome | warn: marketing is dropped for opted-out customers.
    t.string('purpose', 16).notNullable();
    // pending | sending | sent | failed | cancelled
    t.string('status', 12).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('due_at').notNullable();
    t.string('lease_owner', 64).nullable();
    t.bigInteger('lease_until').nullable();
    t.string('last_error', 255).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['account', 'status', 'due_at']);
    t.index(['customer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_events', (t) => {
    t.bigIncrements('id').primary();
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    t.string('kind', 32).notNullable();
    t.integer('channel_id').unsigned().nullable();
    t.string('staff_userid', 64).nullable();
    t.text('data').notNullable();
    t.bigInteger('occurred_at').notNullable();
    // The inbound event this row came from: reprocessing the same event writes nothing new.
    t.bigInteger('source_event_id').nullable();
    t.unique(['source_event_id', 'kind']);
    t.index(['customer_id', 'occurred_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_events');
}

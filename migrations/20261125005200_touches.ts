import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('touches', (t) => {
    t.bigIncrements('id').primary();
    // journey:customer:trigger:step — a step reaches a customer once, whoever ticks.
    t.string('idem_key', 160).notNullable().unique();
    t.bigInteger('run_id').unsigned().nullable();
    t.integer('journey_id').unsigned().nullable();
    t.integer('customer_id').unsigned().notNullable();
    t.integer('store_id').unsigned().nullable();
    t.integer('step_index').notNullable();
    // message | question | task
    t.string('kind', 12).notNullable();
    t.text('payload').notNullable();
    t.boolean('marketing').notNullable().defaultTo(true);
    // pending | sending | sent | skipped | failed
    t.string('status', 12).notNullable().defaultTo('pending');
    // bot | template | task: the rung of the delivery ladder used
    t.string('channel', 12).nullable();
    t.string('skip_reason', 32).nullable();
    t.string('ref', 160).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('deferrals').notNullable().defaultTo(0);
    t.bigInteger('due_at').notNullable();
    t.string('lease_owner', 64).nullable();
    t.bigInteger('lease_until').nullable();
    t.string('last_error', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['status', 'due_at']);
    t.index(['customer_id', 'sent_at']);
    t.index(['journey_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('touches');
}

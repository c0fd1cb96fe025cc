import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One customer going through one journey because of one trigger (an order, an add, a run of
  // the dormant selection): the trigger ref makes entering idempotent.
  await knex.schema.createTable('journey_runs', (t) => {
    t.bigIncrements('id').primary();
    t.integer('journey_id').unsigned().notNullable().references('id').inTable('journeys');
    t.integer('customer_id').unsigned().notNullable();
    t.integer('store_id').unsigned().nullable();
    t.string('trigger_ref', 64).notNullable();
    // active | completed | goal_reached | exited | failed
    t.string('status', 16).notNullable().defaultTo('active');
    t.integer('step_index').notNullable().defaultTo(0);
    t.bigInteger('next_at').notNullable();
    t.string('lease_owner', 64).nullable();
    t.bigInteger('lease_until').nullable();
    t.string('exit_reason', 32).nullable();
    t.bigInteger('entered_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.unique(['journey_id', 'customer_id', 'trigger_ref']);
    t.index(['status', 'next_at']);
    t.index(['customer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('journey_runs');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tasks', (t) => {
    t.bigIncrements('id').primary();
    t.integer('store_id').unsigned().nullable();
    t.integer('customer_id').unsigned().nullable();
    t.string('staff_userid', 64).notNullable();
    // handoff | followup | journey
    t.string('kind', 16).notNullable();
    t.string('title', 255).notNullable();
    t.bigInteger('due_at').notNullable();
    // open | done | cancelled
    t.string('status', 12).notNullable().defaultTo('open');
    t.string('outcome', 255).nullable();
    t.bigInteger('done_at').nullable();
    // Whatever created the task once (e.g. a hand-off of one conversation at one time).
    t.string('source_key', 160).nullable().unique();
    t.bigInteger('created_at').notNullable();
    t.index(['staff_userid', 'status', 'due_at']);
    t.index(['customer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tasks');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per alert (rule + subject). Transitions are compare-and-set on `version`, so two
  // evaluators (or a restart mid-evaluation) send each notice once.
  await knex.schema.createTable('alert_state', (t) => {
    t.string('alert_key', 191).primary();
    t.string('rule', 32).notNullable();
    t.string('subject', 128).notNullable();
    // firing | resolved
    t.string('status', 12).notNullable();
    t.string('title', 255).notNullable();
    t.text('detail').notNullable();
    t.bigInteger('fired_at').notNullable();
    // null while firing: the firing notice has not gone out yet (it is retried).
    t.bigInteger('last_notified_at').nullable();
    t.bigInteger('resolved_at').nullable();
    t.integer('notices').notNullable().defaultTo(0);
    t.integer('version').notNullable().defaultTo(0);
    t.bigInteger('updated_at').notNullable();
    t.index(['status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alert_state');
}

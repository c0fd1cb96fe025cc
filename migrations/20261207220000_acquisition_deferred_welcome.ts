import type { Knex } from 'knex';

/**
 * An add whose welcome went out (or was skipped as too late) while the rest of its work was
 * deferred under a burst keeps the outcome here, so resuming it never welcomes twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('callback_events', (t) => {
    t.string('welcome', 200).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('callback_events', (t) => {
    t.dropColumn('welcome');
  });
}

import type { Knex } from 'knex';

// The journeys report counts runs entered in a period.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('journey_runs', (t) => {
    t.index(['entered_at'], 'journey_runs_entered_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('journey_runs', (t) => {
    t.dropIndex(['entered_at'], 'journey_runs_entered_idx');
  });
}

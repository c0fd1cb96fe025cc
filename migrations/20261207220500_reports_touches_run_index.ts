import type { Knex } from 'knex';

// The journeys report joins each run to its touches: without this, every touch row was read per run.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.index(['run_id', 'status'], 'touches_run_status_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.dropIndex(['run_id', 'status'], 'touches_run_status_idx');
  });
}

import type { Knex } from 'knex';

// How far each rollup has folded its source table in, by row id: rows with id <= last_id are in
// the rollup, later ones are read live. seen_id is the highest id seen at the previous run, the
// next run's target: a row is folded in only a run after its id was handed out, so an insert
// still uncommitted when the job looked is not skipped.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rollup_watermarks', (t) => {
    t.string('name', 32).primary();
    t.bigInteger('last_id').notNullable();
    t.bigInteger('seen_id').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rollup_watermarks');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The last run of each scheduled job, shared by every jobs instance: the "job has not run"
  // alert reads it. registered_at is when a scheduler first listed the job (a job that never
  // succeeded is measured from there).
  await knex.schema.createTable('job_runs', (t) => {
    t.string('job', 64).primary();
    t.bigInteger('registered_at').notNullable();
    t.bigInteger('last_ok_at').nullable();
    t.integer('last_duration_ms').nullable();
    t.bigInteger('last_failed_at').nullable();
    t.string('last_error', 255).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_runs');
}

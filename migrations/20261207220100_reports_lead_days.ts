import type { Knex } from 'knex';

// Leads per channel, rep and Asia/Shanghai day (the dashboard scopes leads by their rep), folded
// in by the report-rollup job like scan_days.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lead_days', (t) => {
    t.integer('channel_id').unsigned().notNullable();
    t.string('staff_userid', 64).notNullable();
    t.bigInteger('day_start').notNullable();
    t.integer('leads').notNullable();
    t.primary(['channel_id', 'day_start', 'staff_userid']);
    t.index(['day_start', 'channel_id'], 'lead_days_day_channel_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lead_days');
}

import type { Knex } from 'knex';

// Scans per channel and Asia/Shanghai day, folded in by the report-rollup job up to a watermark
// (rollup_watermarks): the funnel and the dashboard read these instead of millions of scans.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scan_days', (t) => {
    t.integer('channel_id').unsigned().notNullable();
    // Asia/Shanghai midnight of the day, UTC ms.
    t.bigInteger('day_start').notNullable();
    t.integer('scans').notNullable();
    t.integer('visitors').notNullable();
    t.primary(['channel_id', 'day_start']);
    t.index(['day_start', 'channel_id'], 'scan_days_day_channel_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('scan_days');
}

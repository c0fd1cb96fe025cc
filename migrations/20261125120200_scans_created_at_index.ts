import type { Knex } from 'knex';

// The scan-drop alert counts scans per channel between two instants of each of the last 8
// days; without this index that is a full scan of the table every evaluation.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('scans', (t) => {
    t.index(['created_at', 'channel_id'], 'scans_created_at_channel_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('scans', (t) => {
    t.dropIndex(['created_at', 'channel_id'], 'scans_created_at_channel_idx');
  });
}

import type { Knex } from 'knex';

// The dashboard counts touches sent per day of the last week.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.index(['status', 'sent_at'], 'touches_status_sent_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.dropIndex(['status', 'sent_at'], 'touches_status_sent_idx');
  });
}

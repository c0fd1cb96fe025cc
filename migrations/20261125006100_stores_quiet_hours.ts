import type { Knex } from 'knex';

// A store's own quiet hours for journey messages (HH:MM, Asia/Shanghai); NULL: the default.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.string('quiet_from', 5).nullable();
    t.string('quiet_to', 5).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.dropColumn('quiet_from');
    t.dropColumn('quiet_to');
  });
}

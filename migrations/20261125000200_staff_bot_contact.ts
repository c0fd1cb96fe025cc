import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The rep's contact id as the bot account sees it (Wechaty ids differ from WeCom userids):
  // a 1:1 message from this contact is a known staff member.
  await knex.schema.alterTable('staff', (t) => {
    t.string('bot_contact_id', 128).nullable().unique();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff', (t) => {
    t.dropUnique(['bot_contact_id']);
    t.dropColumn('bot_contact_id');
  });
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('spam_strikes', (t) => {
    t.string('room_id', 128).notNullable();
    t.string('contact_id', 128).notNullable();
    t.integer('strikes').notNullable().defaultTo(0);
    t.bigInteger('last_at').notNullable();
    t.bigInteger('removed_at').nullable();
    t.primary(['room_id', 'contact_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('spam_strikes');
}

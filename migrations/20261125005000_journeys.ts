import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('journeys', (t) => {
    t.increments('id').primary();
    // A stable name for shipped journeys (post_purchase, reactivation); null for operators' own.
    t.string('key', 48).nullable().unique();
    t.integer('store_id').unsigned().nullable();
    t.string('name', 64).notNullable();
    // order_paid | contact_added | tag_added | segment_entered | dormant
    t.string('trigger', 24).notNullable();
    t.string('trigger_arg', 64).nullable();
    // JSON array of steps (see src/domain/journey/journey.types.ts).
    t.text('steps').notNullable();
    // JSON { kind: 'order_paid', windowDays } or null.
    t.text('goal').nullable();
    // once | always | after_days
    t.string('reentry', 12).notNullable().defaultTo('always');
    t.integer('reentry_days').nullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('journeys');
}

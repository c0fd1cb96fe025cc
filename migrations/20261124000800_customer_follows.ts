import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_follows', (t) => {
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    t.string('staff_userid', 64).notNullable();
    t.integer('channel_id').unsigned().nullable().references('id').inTable('channels');
    t.string('state', 30).nullable();
    // active | deleted_by_staff | deleted_by_customer
    t.string('status', 24).notNullable();
    t.bigInteger('added_at').notNullable();
    t.bigInteger('removed_at').nullable();
    t.primary(['customer_id', 'staff_userid']);
    t.index(['staff_userid', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_follows');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coupon_claims', (t) => {
    t.bigIncrements('id').primary();
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    t.integer('channel_id').unsigned().notNullable().references('id').inTable('channels');
    // Which offer was claimed (e.g. channel:12); one claim per person per offer.
    t.string('offer_key', 64).notNullable();
    t.string('code', 16).notNullable().unique();
    t.bigInteger('created_at').notNullable();
    t.unique(['customer_id', 'offer_key']);
    t.index(['channel_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('coupon_claims');
}

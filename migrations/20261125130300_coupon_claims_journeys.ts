import type { Knex } from 'knex';

// Journey coupons are claims too (offer_key journey:<id>:…), and they come from no channel.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('coupon_claims', (t) => {
    t.integer('channel_id').unsigned().nullable().alter();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('coupon_claims').whereNull('channel_id').delete();
  await knex.schema.alterTable('coupon_claims', (t) => {
    t.integer('channel_id').unsigned().notNullable().alter();
  });
}

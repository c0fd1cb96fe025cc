import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.bigIncrements('id').primary();
    t.integer('store_id').unsigned().nullable();
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    // Where it came from: admin | csv | wxpay | pos:<source key>. One order number once per source.
    t.string('source', 48).notNullable();
    t.string('order_no', 64).notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.string('currency', 3).notNullable().defaultTo('CNY');
    // paid | refunded
    t.string('status', 12).notNullable().defaultTo('paid');
    t.bigInteger('paid_at').notNullable();
    // The customer's first channel when the order came in (attribution for the funnel).
    t.integer('channel_id').unsigned().nullable();
    // JSON: [{ sku, name, qty, priceFen }] as given; may be '[]'.
    t.text('items').notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['source', 'order_no']);
    t.index(['customer_id', 'paid_at']);
    t.index(['store_id', 'paid_at']);
    t.index(['channel_id', 'paid_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('orders');
}

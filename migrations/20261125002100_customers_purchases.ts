import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // What RFM, lifecycle stages and dormancy read, kept on the customer by every order.
  await knex.schema.alterTable('customers', (t) => {
    t.integer('order_count').notNullable().defaultTo(0);
    t.bigInteger('total_spent_fen').notNullable().defaultTo(0);
    t.bigInteger('first_purchase_at').nullable();
    t.bigInteger('last_purchase_at').nullable();
    // Last message from the customer (bot chats): dormancy means no purchase and no message.
    t.bigInteger('last_inbound_at').nullable();
    t.index(['store_id', 'last_purchase_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropIndex(['store_id', 'last_purchase_at']);
    t.dropColumn('order_count');
    t.dropColumn('total_spent_fen');
    t.dropColumn('first_purchase_at');
    t.dropColumn('last_purchase_at');
    t.dropColumn('last_inbound_at');
  });
}

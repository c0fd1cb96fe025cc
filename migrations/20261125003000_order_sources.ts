import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Malls and POS systems that push orders, each signing with its own secret.
  await knex.schema.createTable('order_sources', (t) => {
    t.increments('id').primary();
    // Names the source in the X-Siyu-Source header; its orders are stored with source 'pos:<key>'.
    t.string('key', 32).notNullable().unique();
    t.string('name', 64).notNullable();
    t.integer('store_id').unsigned().nullable().references('id').inTable('stores');
    // The HMAC secret, sealed with the PII key (PiiCipher); shown once when created.
    t.string('secret_enc', 255).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('order_sources');
}

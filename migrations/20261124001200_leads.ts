import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('leads', (t) => {
    t.bigIncrements('id').primary();
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    t.integer('channel_id').unsigned().notNullable().references('id').inTable('channels');
    // The `state` of this lead's own contact way: the add event that carries it is this person.
    t.string('link_state', 30).notNullable().unique();
    t.string('staff_userid', 64).notNullable();
    t.string('wecom_config_id', 64).nullable();
    t.string('qr_code_url', 512).nullable();
    t.string('visitor_id', 32).notNullable();
    t.string('name', 64).notNullable();
    // Encrypted with PII_KEY (AES-256-GCM); looked up through customer_identities (phone_hash).
    t.string('phone_enc', 128).notNullable();
    t.bigInteger('linked_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['channel_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('leads');
}

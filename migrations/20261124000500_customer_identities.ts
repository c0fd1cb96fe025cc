import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_identities', (t) => {
    t.increments('id').primary();
    t.integer('customer_id').unsigned().notNullable().references('id').inTable('customers');
    // wecom_external | unionid | mp_openid | oa_openid | phone_hash
    t.string('kind', 16).notNullable();
    // The corp (external ids) or app (openids) the value belongs to; '' when global.
    t.string('scope', 64).notNullable().defaultTo('');
    t.string('value', 128).notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['kind', 'scope', 'value']);
    t.index(['customer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_identities');
}

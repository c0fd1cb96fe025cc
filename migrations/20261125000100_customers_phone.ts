import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Phone on the customer (encrypted) and its last four digits, so a rep can find a customer
  // by 手机尾号 without decrypting every row.
  await knex.schema.alterTable('customers', (t) => {
    t.string('phone_enc', 128).nullable();
    t.string('phone_tail', 4).nullable();
    t.index(['phone_tail']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropIndex(['phone_tail']);
    t.dropColumn('phone_enc');
    t.dropColumn('phone_tail');
  });
}

import type { Knex } from 'knex';

// Where a customer's name came from (typed | order | wechat), so a WeChat nickname never replaces
// a name the person typed (domain/customer/facts.ts). NULL on rows from before: never overwritten.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.string('name_source', 8).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropColumn('name_source');
  });
}

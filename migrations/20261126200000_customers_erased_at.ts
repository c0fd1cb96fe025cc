import type { Knex } from 'knex';

// When a person's data was erased on request (PIPL): the row stays as an anonymous holder of
// non-personal aggregates (orders, counts), and every automated path skips it. NULL: not erased.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.bigInteger('erased_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropColumn('erased_at');
  });
}

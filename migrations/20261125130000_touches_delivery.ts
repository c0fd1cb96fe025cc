import type { Knex } from 'knex';

// What WeCom says became of a template touch (add_msg_template): the rep confirms the task in
// their client and the send result is polled back. NULL for touches of other channels.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    // awaiting | delivered | failed
    t.string('delivery', 12).nullable();
    t.bigInteger('delivered_at').nullable();
    t.bigInteger('delivery_checked_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.dropColumn('delivery');
    t.dropColumn('delivered_at');
    t.dropColumn('delivery_checked_at');
  });
}

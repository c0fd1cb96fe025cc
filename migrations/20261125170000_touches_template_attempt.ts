import type { Knex } from 'knex';

// A template touch's WeCom call (add_msg_template) is recorded before it is made: that call has
// no idempotency key, so a touch found with an attempt and no msgid after a crash is reconciled
// against WeCom's list of mass messages instead of being sent again. The text is kept as a
// SHA-256 (it holds the customer's name), enough to recognise it in get_groupmsg_list_v2.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.bigInteger('template_attempt_at').nullable();
    t.string('template_sender', 64).nullable();
    t.string('template_text_sha', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('touches', (t) => {
    t.dropColumn('template_attempt_at');
    t.dropColumn('template_sender');
    t.dropColumn('template_text_sha');
  });
}

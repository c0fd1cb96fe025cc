import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('conversations', (t) => {
    t.increments('id').primary();
    // <account>|dm|<contact id> or <account>|room|<room id>
    t.string('conv_key', 200).notNullable().unique();
    t.string('account', 64).notNullable();
    t.string('kind', 8).notNullable();
    t.string('target_id', 128).notNullable();
    t.integer('customer_id').unsigned().nullable();
    t.boolean('needs_human').notNullable().defaultTo(false);
    t.bigInteger('handoff_at').nullable();
    // The bot says nothing here before this time (a rep is talking).
    t.bigInteger('quiet_until').nullable();
    // A multi-step question waiting for this person's answer.
    t.string('pending_question', 32).nullable();
    t.string('pending_ref', 128).nullable();
    t.integer('pending_tries').notNullable().defaultTo(0);
    t.bigInteger('pending_until').nullable();
    t.bigInteger('last_in_at').nullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['customer_id']);
    t.index(['needs_human']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('conversations');
}

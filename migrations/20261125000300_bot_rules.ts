import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bot_rules', (t) => {
    t.increments('id').primary();
    // NULL: every store.
    t.integer('store_id').unsigned().nullable().references('id').inTable('stores');
    t.string('name', 64).notNullable();
    // dm | group | both
    t.string('scope', 8).notNullable();
    // exact | contains | regex
    t.string('match_kind', 8).notNullable();
    t.string('pattern', 255).notNullable();
    t.integer('priority').notNullable().defaultTo(0);
    // reply | handoff | ask
    t.string('action', 16).notNullable().defaultTo('reply');
    t.string('action_arg', 32).nullable();
    t.text('reply').notNullable();
    t.integer('cooldown_sec').notNullable().defaultTo(0);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['store_id', 'enabled']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bot_rules');
}

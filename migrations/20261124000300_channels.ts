import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('channels', (t) => {
    t.increments('id').primary();
    // The `state` sent to WeCom: at most 30 characters there.
    t.string('code', 30).notNullable().unique();
    t.string('name', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.integer('store_id').unsigned().nullable().references('id').inTable('stores');
    t.text('staff_userids').notNullable();
    t.text('welcome_text').notNullable();
    // An optional link card sent with the welcome: {"title","url","desc"?,"picurl"?}.
    t.text('welcome_link').nullable();
    // An image (media_assets id) and a mini-program card {"title","appid","page","assetId"}.
    t.integer('welcome_image_asset').unsigned().nullable();
    t.text('welcome_miniprogram').nullable();
    t.text('tags').notNullable();
    // Placement attributes chosen by the operator, e.g. {"楼栋":"3号楼","电梯":"A"}.
    t.text('attributes').notNullable();
    // Batch creation: the same (batch, placement) twice is the same channel.
    t.string('batch_key', 64).nullable();
    t.string('placement_key', 191).nullable();
    t.string('status', 16).notNullable().defaultTo('active');
    // What the landing page promises, and when the channel takes people (null: open-ended).
    t.string('offer', 60).nullable();
    t.bigInteger('active_from').nullable();
    t.bigInteger('active_until').nullable();
    // A coupon every person who leaves details may claim once, e.g. {"title":"新人立减20元"}.
    t.text('coupon').nullable();
    // How leads are shared among the reps: rule, weights, per-rep daily cap, backups (JSON).
    t.text('routing').nullable();
    t.string('wecom_config_id', 64).nullable();
    t.string('qr_code_url', 512).nullable();
    t.string('sync_state', 16).notNullable().defaultTo('pending');
    t.string('sync_error', 255).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['store_id']);
    t.unique(['batch_key', 'placement_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('channels');
}

import type { Knex } from 'knex';

// Indexes the mini-program's lists read in their own order (newest first by id, tasks by due
// date), so a page and its capped count walk an index instead of sorting the scope:
// - a rep's customers: (owner_userid, id) — the rep scope had no index and scanned every customer;
// - customers by RFM segment: (segment, customer_id) on customer_rfm, customers reached by id;
// - a store's open tasks: (store_id, status, due_at) (a rep's have (staff_userid, status, due_at));
// - all orders newest paid first (HQ, admin): (paid_at, id) — the list sorted every order per page.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.index(['owner_userid', 'id'], 'customers_owner_id_index');
  });
  await knex.schema.alterTable('customer_rfm', (t) => {
    t.index(['segment', 'customer_id'], 'customer_rfm_segment_customer_index');
  });
  await knex.schema.alterTable('tasks', (t) => {
    t.index(['store_id', 'status', 'due_at'], 'tasks_store_status_due_index');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.index(['paid_at', 'id'], 'orders_paid_at_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['paid_at', 'id'], 'orders_paid_at_id_index');
  });
  await knex.schema.alterTable('tasks', (t) => {
    t.dropIndex(['store_id', 'status', 'due_at'], 'tasks_store_status_due_index');
  });
  await knex.schema.alterTable('customer_rfm', (t) => {
    t.dropIndex(['segment', 'customer_id'], 'customer_rfm_segment_customer_index');
  });
  await knex.schema.alterTable('customers', (t) => {
    t.dropIndex(['owner_userid', 'id'], 'customers_owner_id_index');
  });
}

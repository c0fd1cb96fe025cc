import type { Knex } from 'knex';

// Journey `tag` steps used to create their tags as behaviour tags (system-owned), so no operator
// could ever remove them. They are ordinary attribute tags now; existing ones follow.
export async function up(knex: Knex): Promise<void> {
  await knex('tags').where({ group_name: '旅程标签', kind: 'behaviour' }).update({ kind: 'attribute' });
}

export async function down(): Promise<void> {
  // Nothing to undo: which of them were behaviour tags before is not kept, and attribute is right.
}

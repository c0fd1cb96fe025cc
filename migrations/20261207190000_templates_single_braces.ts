import type { Knex } from 'knex';

// One template syntax for every text Siyu sends: `{name}` (src/domain/template/template-engine.ts).
// Welcomes were written `{{name}}` until now; the other texts were already `{name}`, where a
// `{{name}}` rendered as 「{王女士}」, so it is rewritten there too. Rows containing `{{` are read
// in pages by id (memory stays bounded on a large table) and updated one by one. The pattern is copied here on purpose: a migration must not change when src/ does.
const DOUBLE_BRACED = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const PAGE = 500;

interface Column {
  table: string;
  column: string;
  /** Rows to leave alone (touches already sent keep the text they were sent with). */
  only?: Record<string, unknown>;
}

const COLUMNS: Column[] = [
  { table: 'channels', column: 'welcome_text' },
  { table: 'bot_rules', column: 'reply' },
  { table: 'bot_templates', column: 'text' },
  // JSON arrays of steps; braces are not escaped in JSON, so the text form is the stored form.
  { table: 'journeys', column: 'steps' },
  { table: 'touches', column: 'payload', only: { status: 'pending' } },
];

async function rewrite(knex: Knex, c: Column, containing: string, change: (s: string) => string): Promise<void> {
  let after = 0;
  for (;;) {
    const q = knex(c.table).where('id', '>', after).andWhere(c.column, 'like', `%${containing}%`).orderBy('id').limit(PAGE).select('id', c.column);
    if (c.only) q.andWhere(c.only);
    const rows = (await q) as Array<Record<string, unknown>>;
    for (const r of rows) {
      const before = String(r[c.column]);
      const next = change(before);
      if (next !== before) await knex(c.table).where({ id: r.id }).update({ [c.column]: next });
    }
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.id);
  }
}

export async function up(knex: Knex): Promise<void> {
  for (const c of COLUMNS) await rewrite(knex, c, '{{', (s) => s.replace(DOUBLE_BRACED, '{$1}'));
}

// Only welcomes had `{{name}}` as their syntax (and only that variable), so only they go back.
export async function down(knex: Knex): Promise<void> {
  await rewrite(knex, COLUMNS[0]!, '{name}', (s) => s.replaceAll('{name}', '{{name}}'));
}

import type { Knex } from 'knex';
import type { ReplyTextRepo, TemplateOverride } from '../domain/conversation/rules.ports.js';

interface ReplyTextRow {
  store_id: number;
  key: string;
  text: string;
}

export class SqlReplyTextRepo implements ReplyTextRepo {
  constructor(private readonly db: Knex) {}

  async listBotTemplates(storeIds?: number[]): Promise<TemplateOverride[]> {
    const rows = await this.db<ReplyTextRow>('bot_templates')
      .modify((b) => {
        if (storeIds) b.whereIn('store_id', storeIds);
      })
      .select('store_id', 'key', 'text')
      .orderBy('id');
    return (rows as ReplyTextRow[]).map((r) => ({ storeId: Number(r.store_id), key: r.key, text: r.text }));
  }

  async upsertBotTemplate(o: TemplateOverride, now: number): Promise<void> {
    await this.db('bot_templates')
      .insert({ store_id: o.storeId, key: o.key, text: o.text, updated_at: now })
      .onConflict(['store_id', 'key'])
      .merge(['text', 'updated_at']);
  }

  async deleteBotTemplate(storeId: number, key: string): Promise<boolean> {
    return (await this.db('bot_templates').where({ store_id: storeId, key }).delete()) > 0;
  }
}

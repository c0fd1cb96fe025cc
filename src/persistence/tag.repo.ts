import type { Knex } from 'knex';
import type { TagRepo } from '../domain/tag/tag.ports.js';
import { tagKey, type Tag, type TagKind, type TagRef } from '../domain/tag/tag.types.js';

interface TagRow {
  id: number;
  group_name: string;
  name: string;
  kind: TagKind;
  wecom_tag_id: string | null;
}

export const toTag = (r: TagRow): Tag => ({ id: Number(r.id), group: r.group_name, name: r.name, kind: r.kind, wecomTagId: r.wecom_tag_id });

export class SqlTagRepo implements TagRepo {
  constructor(private readonly db: Knex) {}

  async listTagsByRefs(refs: TagRef[]): Promise<Tag[]> {
    if (!refs.length) return [];
    const rows = await this.db<TagRow>('tags').where((q) => {
      for (const r of refs) q.orWhere({ group_name: r.group, name: r.name });
    });
    return rows.map(toTag);
  }

  async insertTags(refs: Array<TagRef & { kind: TagKind }>): Promise<Tag[]> {
    const existing = await this.listTagsByRefs(refs);
    const have = new Set(existing.map(tagKey));
    const missing = refs.filter((r) => !have.has(tagKey(r)));
    if (!missing.length) return existing;
    const now = Date.now();
    await this.db('tags')
      .insert(missing.map((r) => ({ group_name: r.group, name: r.name, kind: r.kind, created_at: now })))
      .onConflict(['group_name', 'name'])
      .ignore();
    return this.listTagsByRefs(refs);
  }

  async updateTagWecomId(id: number, wecomTagId: string): Promise<void> {
    await this.db('tags').where({ id }).update({ wecom_tag_id: wecomTagId });
  }
}

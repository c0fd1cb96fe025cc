import type { Logger } from '../../shared/logger.js';
import type { CorpTagGateway, TagRepo } from './tag.ports.js';
import { tagKey, type Tag, type TagKind, type TagRef } from './tag.types.js';

/**
 * Keeps Siyu's tag table and WeCom's corp tag library in step. Tags are created locally
 * first (that never fails for WeCom reasons); the WeCom id is filled in when WeCom answers, and
 * a tag still without one is simply not pushed with mark_tag until a later ensure succeeds.
 */
export class TagService {
  /** Tags already complete (in our table and in WeCom): every add needs them, they never change. */
  private readonly known = new Map<string, Tag>();

  constructor(private readonly deps: { tags: TagRepo; corpTags: CorpTagGateway; log: Logger }) {}

  async ensure(refs: Array<TagRef & { kind: TagKind }>): Promise<Tag[]> {
    const unique = [...new Map(refs.map((r) => [tagKey(r), r])).values()];
    if (unique.length === 0) return [];
    const hits = unique.map((r) => this.known.get(tagKey(r)));
    if (hits.every((t) => t !== undefined)) return hits as Tag[];
    const tags = await this.deps.tags.insertTags(unique);
    const missing = tags.filter((t) => !t.wecomTagId);
    if (missing.length) {
      try {
        const ids = await this.deps.corpTags.ensureCorpTags(missing);
        for (const t of missing) {
          const id = ids.get(tagKey(t));
          if (id) {
            await this.deps.tags.updateTagWecomId(t.id, id);
            t.wecomTagId = id;
          }
        }
      } catch (e) {
        this.deps.log.warn({ err: (e as Error).message, count: missing.length }, 'corp tags not synced to wecom yet');
      }
    }
    if (this.known.size > 5_000) this.known.clear();
    for (const t of tags) if (t.wecomTagId) this.known.set(tagKey(t), t);
    return tags;
  }
}

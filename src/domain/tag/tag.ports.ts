import type { Tag, TagKind, TagRef } from './tag.types.js';

export interface TagRepo {
  /** Existing tags among refs. */
  listTagsByRefs(refs: TagRef[]): Promise<Tag[]>;
  /** Inserts missing tags (ignoring ones that appeared concurrently) and returns all of refs. */
  insertTags(refs: Array<TagRef & { kind: TagKind }>): Promise<Tag[]>;
  updateTagWecomId(id: number, wecomTagId: string): Promise<void>;
}

/** The WeCom corp tag library, as far as Siyu needs it. */
export interface CorpTagGateway {
  /** Makes sure each ref exists in WeCom; returns ref key → WeCom tag id for those it could. */
  ensureCorpTags(refs: TagRef[]): Promise<Map<string, string>>;
}

export type TagKind = 'attribute' | 'behaviour';

export interface TagRef {
  group: string;
  name: string;
}

export interface Tag extends TagRef {
  id: number;
  kind: TagKind;
  wecomTagId: string | null;
}

/** Behaviour tags: what a person did (design.md). Group names are what operators see in WeCom. */
export const BEHAVIOUR_GROUP = '客户行为';
export const BEHAVIOUR = {
  scanned: '已扫码',
  leftDetails: '已留资',
  added: '已加微',
  claimedCoupon: '已领券',
  bought: '已购买',
} as const;

/** The attribute tag every channel puts on the people it brings in. */
export const SOURCE_GROUP = '来源渠道';
/** Tags that journeys add and remove (a `tag` step). */
export const JOURNEY_TAG_GROUP = '旅程标签';
/** Group for tags an operator puts on a customer by hand without naming a group. */
export const MANUAL_TAG_GROUP = '客户标签';
/** Group for channel tags given without a group. */
export const DEFAULT_ATTRIBUTE_GROUP = '渠道属性';

/**
 * Whether an operator may add or remove this tag by hand: behaviour tags (已加微, 已购买…)
 * record what a person did and belong to the system. The one rule the edit service enforces and
 * the API tells clients (`removable`), so they can hide what would be refused.
 */
export const operatorMayEdit = (t: TagRef & { kind?: TagKind }) => t.kind !== 'behaviour' && t.group !== BEHAVIOUR_GROUP;

export const tagKey = (t: TagRef) => `${t.group}\u0000${t.name}`;

/**
 * The one reading of a tag written as text, wherever people write tags (channels, the
 * mini-program, journey steps): `组:名` splits at the first colon, both halves trimmed; anything
 * else is a bare name, whose group the caller decides. Length limits are the caller's.
 */
export function parseTagText(s: string): { group?: string; name: string } {
  const i = s.indexOf(':');
  return i > 0 ? { group: s.slice(0, i).trim(), name: s.slice(i + 1).trim() } : { name: s.trim() };
}

/** A tag as text with a default group for a bare name. */
export const tagRefOf = (s: string, defaultGroup: string): TagRef => {
  const t = parseTagText(s);
  return { group: t.group ?? defaultGroup, name: t.name };
};

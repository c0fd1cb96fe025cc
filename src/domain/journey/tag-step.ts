import { BEHAVIOUR_GROUP, JOURNEY_TAG_GROUP, tagRefOf, type TagRef } from '../tag/tag.types.js';
import type { Step } from './journey.types.js';

/**
 * What a `tag` step changes: each entry is `组:名` like every other tag people write (the one
 * parser, tagRefOf), a bare name going to the 旅程标签 group. Removing names a group too, so
 * a step removing `A` never touches `电梯:A`.
 */
export function journeyTagChange(step: Extract<Step, { type: 'tag' }>): { add: TagRef[]; remove: TagRef[] } {
  return { add: (step.add ?? []).map((s) => tagRefOf(s, JOURNEY_TAG_GROUP)), remove: (step.remove ?? []).map((s) => tagRefOf(s, JOURNEY_TAG_GROUP)) };
}

/** Problems of a tag step's entries, in Chinese: WeCom's 30-character limits, and behaviour tags are the system's. */
export function tagStepProblems(step: Extract<Step, { type: 'tag' }>): string[] {
  const p: string[] = [];
  const { add, remove } = journeyTagChange(step);
  for (const t of [...add, ...remove]) {
    if (!t.group || !t.name) p.push(`标签「${t.group}:${t.name}」的组名和标签名都不能为空`);
    else if (t.group.length > 30 || t.name.length > 30) p.push(`标签「${t.group}:${t.name}」的组名和标签名最多 30 字`);
    else if (t.group === BEHAVIOUR_GROUP) p.push(`「${t.name}」是系统维护的行为标签，旅程不能添加或移除`);
  }
  return p;
}

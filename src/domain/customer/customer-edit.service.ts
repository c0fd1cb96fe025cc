import type { Clock } from '../../shared/clock.js';
import { badRequest } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { TagService } from '../tag/tag.service.js';
import { operatorMayEdit, tagKey, type Tag, type TagRef } from '../tag/tag.types.js';
import type { CustomerRepo, Transactor } from './customer.ports.js';

/**
 * What an operator changes on a customer by hand. Tags to remove are named by the tag's id, or
 * its group and name; a bare name only when the customer has exactly one tag of that name.
 */
export interface CustomerEdit {
  tags?: { add?: TagRef[]; remove?: Array<TagRef | { name: string } | { id: number }> };
  note?: string;
  /** What the note is about (e.g. the order it came with), kept beside its text. */
  noteRef?: Record<string, unknown>;
}

/** WeCom's mark_tag on one rep's relationship with the customer. */
export interface TagMarker {
  markTag(p: { userid: string; externalUserId: string; add: string[]; remove: string[] }): Promise<void>;
}

const label = (t: TagRef) => `${t.group}/${t.name}`;

/** Who makes an edit: a staff member by hand, or a journey's `tag` step. */
export type EditActor = { userId: string } | { journeyId: number };
const refused = (t: TagRef) => badRequest('CUSTOMER.TAG_SYSTEM', `「${t.name}」是系统维护的行为标签，不能手动修改`);

/**
 * Hand edits of a customer by an operator: tags and notes. Tags are ensured through the tag
 * service (so they exist in WeCom's corp tag library), changed in our database together with
 * their timeline entries in one transaction, then marked in WeCom on every active relationship
 * of the customer, as the acquisition path does. Behaviour tags (已加微, 已购买…) record what a
 * person did and are left to the system. Everything is checked before anything is written.
 * Journey `tag` steps come through here too, so their tags are ordinary attribute tags an
 * operator can remove, mirrored in WeCom and written on the timeline like a hand edit.
 */
export class CustomerEditService {
  constructor(
    private readonly d: {
      tx: Transactor<{ customers: CustomerRepo }>;
      customers: CustomerRepo;
      tags: TagService;
      wecom: TagMarker;
      corpId: string;
      clock: Clock;
      log: Logger;
    },
  ) {}

  async edit(customerId: number, e: CustomerEdit, actor: EditActor): Promise<void> {
    const add = e.tags?.add ?? [];
    const remove = e.tags?.remove ?? [];
    const addBehaviour = add.find((t) => !operatorMayEdit(t));
    if (addBehaviour) throw refused(addBehaviour);
    const current = await this.d.customers.listCustomerTags(customerId);
    const removing = current.filter((t) => remove.some((r) => ('id' in r ? r.id === t.id : 'group' in r ? r.group === t.group && r.name === t.name : r.name === t.name)));
    // A bare name must not take every tag of that name (电梯:A and 楼层:A): the caller says which.
    for (const r of remove) {
      if ('id' in r || 'group' in r) continue;
      const same = current.filter((t) => t.name === r.name);
      if (same.length > 1) throw badRequest('CUSTOMER.TAG_AMBIGUOUS', `客户有多个名为「${r.name}」的标签（${same.map((t) => `${t.group}:${t.name}`).join('、')}），请指明要移除哪一个`);
    }
    const removeBehaviour = removing.find((t) => !operatorMayEdit(t));
    if (removeBehaviour) throw refused(removeBehaviour);
    const removingKeys = new Set(removing.map(tagKey));
    // A tag both added and removed in one edit is removed: the later intent wins.
    const ensured = await this.d.tags.ensure(add.filter((t) => !removingKeys.has(tagKey(t))).map((t) => ({ ...t, kind: 'attribute' as const })));

    const now = this.d.clock.now();
    const added = await this.d.tx.transaction(async ({ customers }) => {
      const source = 'userId' in actor ? `staff:${actor.userId}` : `journey:${actor.journeyId}`;
      const freshIds = new Set(await customers.addCustomerTags(customerId, ensured.map((t) => t.id), source, now));
      await customers.removeCustomerTags(customerId, removing.map((t) => t.id));
      const fresh = ensured.filter((t) => freshIds.has(t.id));
      const base = { customerId, channelId: null, staffUserId: 'userId' in actor ? actor.userId : null, occurredAt: now, sourceEventId: null };
      const by = 'userId' in actor ? { by: actor.userId } : { by: 'journey', journeyId: actor.journeyId };
      if (fresh.length) await customers.insertTimeline({ ...base, kind: 'tags_added', data: { tags: fresh.map(label), ...by } });
      if (removing.length) await customers.insertTimeline({ ...base, kind: 'tags_removed', data: { tags: removing.map(label), ...by } });
      if (e.note !== undefined) await customers.insertTimeline({ ...base, kind: 'note_added', data: { text: e.note, ...by, ...e.noteRef } });
      return fresh;
    });
    await this.pushTags(customerId, added, removing);
  }

  /** Mirrors the change in WeCom. Failure is logged, not fatal: our own record is the truth. */
  private async pushTags(customerId: number, added: Tag[], removed: Tag[]): Promise<void> {
    const add = added.map((t) => t.wecomTagId).filter((x): x is string => !!x);
    const remove = removed.map((t) => t.wecomTagId).filter((x): x is string => !!x);
    if (!add.length && !remove.length) return;
    const [externalIds, follows] = await Promise.all([this.d.customers.listIdentityValues(customerId, 'wecom_external', this.d.corpId), this.d.customers.listFollows(customerId)]);
    const reps = follows.filter((f) => f.status === 'active').map((f) => f.staffUserId);
    for (const externalUserId of externalIds) {
      for (const userid of reps) {
        try {
          await this.d.wecom.markTag({ userid, externalUserId, add, remove });
        } catch (err) {
          this.d.log.warn({ customerId, errcode: (err as { errcode?: number }).errcode, err: (err as Error).message }, 'mark_tag failed');
        }
      }
    }
  }
}

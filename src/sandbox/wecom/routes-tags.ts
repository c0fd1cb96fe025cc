import { E, fail } from './errors.js';
import type { Route, RouteContext } from './route.js';
import type { CorpTag, CorpTagGroup, EmulatorState } from './state.js';
import { seconds } from './validate.js';

/** Corp tag library (doc §4.5, emulator contract §9.2 row 7). */

const P = '/cgi-bin/externalcontact';
/** Corp tags plus rule-group tags per corp (doc §4.5). */
export const MAX_CORP_TAGS = 3000;
const NAME = { maxChars: 30, code: E.INVALID_TAG_NAME } as const;
const ORDER = { min: 0, max: 0xffffffff } as const;

/** Larger `order` sorts first (doc §4.5); ties keep creation order. */
const byOrder = <T extends { order: number; createTime: number }>(a: T, b: T) => b.order - a.order || a.createTime - b.createTime;

function tagJson(t: CorpTag, withDeleted: boolean) {
  return { id: t.id, name: t.name, create_time: t.createTime, order: t.order, deleted: withDeleted ? t.deleted : undefined };
}

function groupJson(g: CorpTagGroup, tags: CorpTag[], withDeleted: boolean) {
  return {
    group_id: g.groupId,
    group_name: g.name,
    create_time: g.createTime,
    order: g.order,
    deleted: withDeleted ? g.deleted : undefined,
    tag: tags.sort(byOrder).map((t) => tagJson(t, withDeleted)),
  };
}

const tagsOf = (state: EmulatorState, g: CorpTagGroup) =>
  g.tagIds.map((id) => state.tags.get(id)).filter((t): t is CorpTag => t !== undefined);

/** An app may only edit or delete tags it created itself (doc §4.5). */
function requireOwn(ctx: RouteContext, item: { createdBy?: string }): void {
  if (item.createdBy !== ctx.token?.secret) fail(E.NO_TAG_PRIVILEGE);
}

export const tagRoutes: Route[] = [
  {
    method: 'POST',
    path: `${P}/get_corp_tag_list`,
    handle(ctx) {
      const { state } = ctx;
      const tagIds = ctx.body.strs('tag_id') ?? [];
      const groupIds = ctx.body.strs('group_id') ?? [];
      let groups: Array<ReturnType<typeof groupJson>>;
      if (groupIds.length > 0) {
        // group_id wins when both filters are given; deleted state is shown for id queries.
        groups = groupIds.flatMap((id) => {
          const g = state.tagGroups.get(id);
          return g ? [groupJson(g, tagsOf(state, g).filter((t) => !t.deleted || g.deleted), true)] : [];
        });
      } else if (tagIds.length > 0) {
        const wanted = tagIds.map((id) => state.tags.get(id)).filter((t): t is CorpTag => t !== undefined);
        const owners = [...new Set(wanted.map((t) => t.groupId))].map((id) => state.tagGroups.get(id)!);
        groups = owners.sort(byOrder).map((g) => groupJson(g, wanted.filter((t) => t.groupId === g.groupId), true));
      } else {
        groups = [...state.tagGroups.values()]
          .filter((g) => !g.deleted)
          .sort(byOrder)
          .map((g) => groupJson(g, tagsOf(state, g).filter((t) => !t.deleted), false));
      }
      return { tag_group: groups };
    },
  },
  {
    method: 'POST',
    path: `${P}/add_corp_tag`,
    handle(ctx) {
      const { state, body } = ctx;
      const nowSec = seconds(ctx.now);
      const tags = body.objs('tag') ?? [];
      if (tags.length === 0) fail(E.INVALID_PARAM, 'tag list empty');
      const wanted = tags.map((t) => ({ name: t.reqStr('name', E.INVALID_TAG_NAME, NAME), order: t.int('order', ORDER) ?? 0 }));
      if (state.liveTagCount() + wanted.length > MAX_CORP_TAGS) fail(E.INVALID_PARAM, `corp tags exceed ${MAX_CORP_TAGS}`);

      // With group_id the group's name and order in the request are ignored (doc §4.5).
      const groupId = body.str('group_id');
      let group: CorpTagGroup | undefined;
      if (groupId !== undefined) {
        group = state.tagGroups.get(groupId);
        if (!group || group.deleted) fail(E.INVALID_TAG_ID, groupId);
      }
      const groupName = group ? undefined : body.reqStr('group_name', E.INVALID_TAG_NAME, NAME);

      const existing = new Set(group ? tagsOf(state, group).filter((t) => !t.deleted).map((t) => t.name) : []);
      if (groupName !== undefined) {
        for (const g of state.tagGroups.values()) {
          if (!g.deleted && g.name === groupName) for (const t of tagsOf(state, g)) if (!t.deleted) existing.add(t.name);
        }
      }
      for (const w of wanted) {
        if (existing.has(w.name)) fail(E.TAG_NAME_EXISTS, w.name);
        existing.add(w.name);
      }

      // An existing group_name gets the tags appended rather than a second group (doc §4.5).
      const target = group ?? state.ensureTagGroup(groupName!, body.int('order', ORDER) ?? 0, nowSec, ctx.token?.secret);
      const created = wanted.map((w) => state.addTag(target, w.name, w.order, nowSec, ctx.token?.secret));
      return { tag_group: groupJson(target, created, false) };
    },
  },
  {
    method: 'POST',
    path: `${P}/edit_corp_tag`,
    handle(ctx) {
      const { state, body } = ctx;
      const id = body.reqStr('id', E.INVALID_TAG_ID);
      const name = body.str('name', NAME);
      const order = body.int('order', ORDER);
      const tag = state.liveTag(id);
      const group = tag ? undefined : state.tagGroups.get(id);
      if (!tag && (!group || group.deleted)) fail(E.INVALID_TAG_ID, id);
      const item: CorpTag | CorpTagGroup = tag ?? group!;
      requireOwn(ctx, item);
      if (name !== undefined && name !== item.name) {
        const siblings = tag
          ? tagsOf(state, state.tagGroups.get(tag.groupId)!).filter((t) => !t.deleted)
          : [...state.tagGroups.values()].filter((g) => !g.deleted);
        if (siblings.some((s) => s.name === name)) fail(E.TAG_NAME_EXISTS, name);
        item.name = name;
      }
      if (order !== undefined) item.order = order;
    },
  },
  {
    method: 'POST',
    path: `${P}/del_corp_tag`,
    handle(ctx) {
      const { state, body } = ctx;
      const tagIds = body.strs('tag_id') ?? [];
      const groupIds = body.strs('group_id') ?? [];
      if (tagIds.length === 0 && groupIds.length === 0) fail(E.INVALID_TAG_ID, 'tag_id and group_id both empty');
      // Validate everything first so a bad id deletes nothing.
      const tags = tagIds.map((id) => state.liveTag(id) ?? fail(E.INVALID_TAG_ID, id));
      const groups = groupIds.map((id) => {
        const g = state.tagGroups.get(id);
        return g && !g.deleted ? g : fail(E.INVALID_TAG_ID, id);
      });
      for (const x of [...tags, ...groups]) requireOwn(ctx, x);
      for (const t of tags) state.deleteTag(t.id);
      for (const g of groups) state.deleteTagGroup(g.groupId);
    },
  },
];

import { readContent } from './content.js';
import { E, WELCOME_CODE_INVALID, fail } from './errors.js';
import type { Route } from './route.js';
import type { EmulatorState, ExternalUser, Relationship } from './state.js';
import { paginate } from './validate.js';

/** Customers, follow relationships, tagging and the welcome message (doc §4.2–§4.4, §4.6). */

const P = '/cgi-bin/externalcontact';
/** A WelcomeCode is usable for 20 s after the event (doc §4.2). */
export const WELCOME_WINDOW_MS = 20_000;
/** externalcontact/get pages follow_user beyond this many employees (doc §4.3). */
const FOLLOW_USER_PAGE = 500;

export function externalContactJson(u: ExternalUser): Record<string, unknown> {
  return {
    external_userid: u.externalUserId,
    name: u.name,
    avatar: u.avatar,
    type: u.type,
    gender: u.gender,
    // unionid only exists for WeChat users; corp fields only for WeCom users (doc §4.3).
    unionid: u.type === 1 ? u.unionid : undefined,
    corp_name: u.type === 2 ? u.corpName : undefined,
    corp_full_name: u.type === 2 ? u.corpName : undefined,
  };
}

function tagsJson(state: EmulatorState, r: Relationship) {
  return r.tagIds.flatMap((id) => {
    const t = state.liveTag(id);
    if (!t) return [];
    return [{ group_name: state.tagGroups.get(t.groupId)?.name ?? '', tag_name: t.name, tag_id: t.id, type: 1 }];
  });
}

function followCommon(r: Relationship) {
  return {
    userid: r.userid,
    remark: r.remark,
    description: r.description,
    createtime: r.createtime,
    remark_corp_name: r.remarkCorpName,
    remark_mobiles: r.remarkMobiles,
    add_way: r.addWay,
    oper_userid: r.operUserid,
    // state is only present when the contact came through a way that set one.
    state: r.state === '' ? undefined : r.state,
  };
}

/** Only follow users inside the app's visible range are reported (doc §4.3). */
const visible = (state: EmulatorState, r: Relationship) => state.employees.get(r.userid)?.followEnabled === true;

export const customerRoutes: Route[] = [
  {
    method: 'GET',
    path: `${P}/get`,
    handle(ctx) {
      const id = ctx.q.reqStr('external_userid', E.INVALID_EXTERNAL_USERID);
      const user = ctx.state.requireExternal(id);
      const follows = ctx.state.followersOf(id).filter((r) => visible(ctx.state, r));
      if (follows.length === 0) fail(E.NO_RELATIONSHIP);
      const { page, next } = paginate(follows, ctx.q.str('cursor'), FOLLOW_USER_PAGE);
      return {
        external_contact: externalContactJson(user),
        follow_user: page.map((r) => ({ ...followCommon(r), tags: tagsJson(ctx.state, r) })),
        next_cursor: next,
      };
    },
  },
  {
    method: 'POST',
    path: `${P}/batch/get_by_user`,
    handle(ctx) {
      const b = ctx.body;
      const users = b.strs('userid_list', { maxItems: 100 }) ?? [];
      if (users.length === 0) fail(E.INVALID_PARAM, 'userid_list missing');
      for (const u of users) ctx.state.requireEmployee(u);
      const limit = b.int('limit', { min: 1, max: 100 }) ?? 50;
      const rels = users.flatMap((u) => ctx.state.customersOf(u));
      const { page, next } = paginate(rels, b.str('cursor'), limit);
      return {
        external_contact_list: page.map((r) => ({
          external_contact: externalContactJson(ctx.state.requireExternal(r.externalUserId)),
          // follow_info lists corp tag ids only (doc §4.4).
          follow_info: { ...followCommon(r), tag_id: r.tagIds.filter((id) => ctx.state.liveTag(id)) },
        })),
        next_cursor: next,
      };
    },
  },
  {
    method: 'GET',
    path: `${P}/list`,
    handle(ctx) {
      const userid = ctx.q.reqStr('userid', E.INVALID_USERID);
      ctx.state.requireEmployee(userid);
      const rels = ctx.state.customersOf(userid);
      // WeCom answers "not external contact" rather than an empty list.
      if (rels.length === 0) fail(E.NO_RELATIONSHIP);
      return { external_userid: rels.map((r) => r.externalUserId) };
    },
  },
  {
    method: 'GET',
    path: `${P}/get_follow_user_list`,
    handle: (ctx) => ({
      follow_user: [...ctx.state.employees.values()].filter((e) => e.followEnabled).map((e) => e.userid),
    }),
  },
  {
    method: 'POST',
    path: `${P}/mark_tag`,
    handle(ctx) {
      const b = ctx.body;
      const userid = b.reqStr('userid', E.INVALID_USERID);
      const ext = b.reqStr('external_userid', E.INVALID_EXTERNAL_USERID);
      ctx.state.requireEmployee(userid);
      ctx.state.requireExternal(ext);
      const rel = ctx.state.requireRelationship(userid, ext);
      const add = b.strs('add_tag') ?? [];
      const remove = b.strs('remove_tag') ?? [];
      // choice: WeCom documents no errcode for both lists empty; 40058 is its generic one.
      if (add.length === 0 && remove.length === 0) fail(E.INVALID_PARAM, 'add_tag and remove_tag both empty');
      for (const id of [...add, ...remove]) if (!ctx.state.liveTag(id)) fail(E.INVALID_TAG_ID, id);
      const tags = new Set(rel.tagIds);
      for (const id of add) tags.add(id);
      for (const id of remove) tags.delete(id);
      // API-made changes never produce an edit_external_contact callback (doc §1.7).
      rel.tagIds = [...tags];
    },
  },
  {
    method: 'POST',
    path: `${P}/send_welcome_msg`,
    handle(ctx) {
      const b = ctx.body;
      const code = b.reqStr('welcome_code', WELCOME_CODE_INVALID);
      const wc = ctx.state.welcomeCodes.get(code);
      if (!wc) fail(WELCOME_CODE_INVALID);
      if (wc.usedAt !== undefined) fail(E.WELCOME_ALREADY_SENT);
      if (ctx.now >= wc.issuedAt + WELCOME_WINDOW_MS) fail(WELCOME_CODE_INVALID, 'welcome_code expired');
      // Content is checked before the code is consumed, so a rejected body can be fixed and resent.
      const content = readContent(b, ctx.state, ctx.now);
      wc.usedAt = ctx.now;
      const rel = ctx.state.relationship(wc.userid, wc.externalUserId);
      if (rel) rel.welcomedAt = ctx.now;
      ctx.state.welcomes.push({
        code,
        userid: wc.userid,
        externalUserId: wc.externalUserId,
        text: content.text?.content,
        attachments: content.attachments,
        at: ctx.now,
      });
    },
  },
];

import { readContent } from './content.js';
import { E, fail } from './errors.js';
import { newId } from './ids.js';
import type { Route, RouteContext } from './route.js';
import type { EmulatorState, MassMessage, MassSendStatus, Relationship } from './state.js';
import { paginate, seconds, type Fields } from './validate.js';

/** Mass messages (群发) and their results (doc §4.10–§4.11, contract §9.2 rows 12–13). */

const P = '/cgi-bin/externalcontact';
/** SDK comments of 2023 say 10,000; the doc asks to re-check, so it is one constant. */
export const MAX_MASS_CUSTOMERS = 10_000;
export const MAX_MASS_CHATS = 2_000;
const MAX_LIST_SPAN_SEC = 31 * 24 * 3600;
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/** Calendar month in Asia/Shanghai, the zone WeCom's per-month caps follow. */
function monthOf(ms: number): { key: string; days: number } {
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { key: `${y}-${m}`, days: new Date(Date.UTC(y, m + 1, 0)).getUTCDate() };
}

/**
 * How many mass messages one customer or group may receive per month. The 2025 default is the
 * number of days in the month (doc §4.10); the rule has changed before, so it is configurable.
 */
export type MassCap = (nowMs: number) => number;
export const defaultMassCap: MassCap = (nowMs) => monthOf(nowMs).days;

function receivedThisMonth(state: EmulatorState, target: string, nowMs: number): number {
  // Indexed as sends are confirmed: a scan of every send per call made large runs quadratic.
  return state.massReceived.get(`${target}|${monthOf(nowMs).key}`) ?? 0;
}

/**
 * tag_filter semantics are unconfirmed (doc §4.10); we use the common reading: every group must
 * match (AND) and within a group any tag matches (OR).
 */
function matchesTagFilter(rel: Relationship, filter: Fields | undefined): boolean {
  const groups = filter?.objs('group_list') ?? [];
  return groups.every((g) => {
    const tags = g.strs('tag_list') ?? [];
    return tags.length === 0 || tags.some((t) => rel.tagIds.includes(t));
  });
}

/** The employee who most recently added the customer carries the message (doc §4.10). */
function latestFollower(state: EmulatorState, externalUserId: string): Relationship | undefined {
  return state.followersOf(externalUserId).sort((a, b) => b.createtime - a.createtime)[0];
}

function planSingle(ctx: RouteContext, sender: string | undefined, ids: string[] | undefined, filter: Fields | undefined, cap: number) {
  const { state } = ctx;
  const targets = ids ?? state.customersOf(sender!).map((r) => r.externalUserId);
  const sends: MassMessage['sends'] = [];
  const failList: string[] = [];
  for (const ext of [...new Set(targets)]) {
    const rel = sender ? state.relationship(sender, ext) : latestFollower(state, ext);
    if (!rel) failList.push(ext);
    else if (!matchesTagFilter(rel, filter)) continue;
    else if (receivedThisMonth(state, ext, ctx.now) >= cap) failList.push(ext);
    else sends.push({ target: ext, userid: rel.userid, status: 0 });
  }
  return { sends, failList };
}

function planGroup(ctx: RouteContext, sender: string, chatIds: string[] | undefined, cap: number) {
  const { state } = ctx;
  const owned = [...state.groupChats.values()].filter((c) => !c.dismissed && c.owner === sender).map((c) => c.chatId);
  const sends: MassMessage['sends'] = [];
  const failList: string[] = [];
  for (const id of chatIds ?? owned) {
    // Only the sender's own groups can receive it; others are reported like non-friends.
    if (!owned.includes(id) || receivedThisMonth(state, id, ctx.now) >= cap) failList.push(id);
    else sends.push({ target: id, userid: sender, status: 0 });
  }
  return { sends, failList };
}

/**
 * The result endpoints' `limit`: "超过最大值时取默认值" (doc 93338 as quoted by the SDKs) — a value
 * over the maximum is not an error, the default page size is used instead.
 */
function pageLimit(b: Fields, max: number, fallback: number): number {
  const v = b.int('limit', { min: 1 });
  return v === undefined || v > max ? fallback : v;
}

function requireMsg(ctx: RouteContext): MassMessage {
  const msgid = ctx.body.reqStr('msgid', E.INVALID_PARAM);
  const m = ctx.state.massMessages.get(msgid);
  if (!m) fail(E.INVALID_PARAM, 'invalid msgid');
  return m;
}

/**
 * The employee confirmed the task in the WeCom client: every pending recipient of that sender
 * is sent, or fails as "not a friend" (2) or "cap reached" (3) at that moment.
 */
export function confirmMassTask(state: EmulatorState, msgid: string, userid: string, nowMs: number, cap: MassCap): void {
  const m = state.massMessages.get(msgid);
  const task = m?.tasks.get(userid);
  if (!m || !task) throw new Error(`no mass-message task ${msgid} for ${userid}`);
  if (task.status === 2) return;
  const nowSec = seconds(nowMs);
  for (const s of m.sends) {
    if (s.userid !== userid || s.status !== 0) continue;
    const reachable = m.chatType === 'single' ? state.relationship(userid, s.target) !== undefined : state.groupChats.get(s.target)?.dismissed === false;
    let status: MassSendStatus = 1;
    if (!reachable) status = 2;
    else if (receivedThisMonth(state, s.target, nowMs) >= cap(nowMs)) status = 3;
    s.status = status;
    s.sendTime = nowSec;
    if (status === 1) {
      const key = `${s.target}|${monthOf(nowMs).key}`;
      state.massReceived.set(key, (state.massReceived.get(key) ?? 0) + 1);
    }
  }
  task.status = 2;
  task.sendTime = nowSec;
}

export function massRoutes(cap: MassCap): Route[] {
  return [
    {
      method: 'POST',
      path: `${P}/add_msg_template`,
      handle(ctx) {
        const b = ctx.body;
        const chatType = (b.str('chat_type', { oneOf: ['single', 'group'] }) ?? 'single') as 'single' | 'group';
        const ids = b.strs('external_userid', { maxItems: MAX_MASS_CUSTOMERS });
        const chatIds = b.strs('chat_id_list', { maxItems: MAX_MASS_CHATS });
        const sender = b.str('sender');
        const filter = b.obj('tag_filter');
        const content = readContent(b, ctx.state, ctx.now);
        if (sender !== undefined && !ctx.state.requireEmployee(sender).followEnabled) fail(E.NO_PRIVILEGE, sender);
        const limit = cap(ctx.now);
        let plan: { sends: MassMessage['sends']; failList: string[] };
        if (chatType === 'single') {
          if (sender === undefined && !ids?.length) fail(E.INVALID_PARAM, 'external_userid and sender both empty');
          plan = planSingle(ctx, sender, ids?.length ? ids : undefined, filter, limit);
        } else {
          if (sender === undefined) fail(E.INVALID_PARAM, 'sender required for group messages');
          plan = planGroup(ctx, sender, chatIds?.length ? chatIds : undefined, limit);
        }
        const msg: MassMessage = {
          msgid: newId.massMsg(),
          chatType,
          // Created through the API: WeCom lists such messages without a creator.
          createType: 0,
          createTime: seconds(ctx.now),
          text: content.text,
          attachments: content.attachments,
          tasks: new Map(plan.sends.map((s) => [s.userid, { status: 0 as const }])),
          sends: plan.sends,
        };
        ctx.state.massMessages.set(msg.msgid, msg);
        return { msgid: msg.msgid, fail_list: plan.failList };
      },
    },
    {
      method: 'POST',
      path: `${P}/get_groupmsg_list_v2`,
      handle(ctx) {
        const b = ctx.body;
        const chatType = b.reqStr('chat_type', E.INVALID_PARAM, { oneOf: ['single', 'group'] });
        const start = b.reqInt('start_time', E.INVALID_PARAM, { min: 0 });
        const end = b.reqInt('end_time', E.INVALID_PARAM, { min: 0 });
        if (end < start || end - start > MAX_LIST_SPAN_SEC) fail(E.INVALID_PARAM, 'time span must be within one month');
        const creator = b.str('creator');
        const filterType = b.int('filter_type', { oneOf: [0, 1, 2] }) ?? 2;
        const limit = pageLimit(b, 100, 50);
        const msgs = [...ctx.state.massMessages.values()].filter(
          (m) =>
            m.chatType === chatType &&
            m.createTime >= start &&
            m.createTime <= end &&
            // A creator filter matches only messages that have one (not API-created ones): our
            // reading, WeCom does not say.
            (creator === undefined || m.creator === creator) &&
            (filterType === 2 || m.createType === filterType),
        );
        const { page, next } = paginate(msgs, b.str('cursor'), limit);
        return {
          group_msg_list: page.map((m) => ({
            msgid: m.msgid,
            ...(m.creator === undefined ? {} : { creator: m.creator }),
            create_time: m.createTime,
            create_type: m.createType,
            text: m.text,
            attachments: m.attachments,
          })),
          next_cursor: next,
        };
      },
    },
    {
      method: 'POST',
      path: `${P}/get_groupmsg_task`,
      handle(ctx) {
        const m = requireMsg(ctx);
        const limit = pageLimit(ctx.body, 1000, 500);
        const tasks = [...m.tasks].map(([userid, t]) => ({ userid, status: t.status, send_time: t.sendTime }));
        const { page, next } = paginate(tasks, ctx.body.str('cursor'), limit);
        return { task_list: page, next_cursor: next };
      },
    },
    {
      method: 'POST',
      path: `${P}/get_groupmsg_send_result`,
      handle(ctx) {
        const m = requireMsg(ctx);
        const userid = ctx.body.reqStr('userid', E.INVALID_USERID);
        ctx.state.requireEmployee(userid);
        const limit = pageLimit(ctx.body, 1000, 500);
        const key = m.chatType === 'single' ? 'external_userid' : 'chat_id';
        const rows = m.sends
          .filter((s) => s.userid === userid)
          .map((s) => ({ [key]: s.target, userid: s.userid, status: s.status, send_time: s.sendTime }));
        const { page, next } = paginate(rows, ctx.body.str('cursor'), limit);
        return { send_list: page, next_cursor: next };
      },
    },
  ];
}

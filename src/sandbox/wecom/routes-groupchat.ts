import { E, fail } from './errors.js';
import { newId } from './ids.js';
import type { Route, RouteContext } from './route.js';
import { requireQuota } from './routes-contact-way.js';
import type { GroupChat, GroupMember, JoinWay } from './state.js';
import { paginate, type Fields } from './validate.js';

/** Customer groups and 「加入群聊」 join ways (doc §4.7–§4.9, contract §9.2 rows 9–11). */

const P = '/cgi-bin/externalcontact/groupchat';
/** groupchat/list insists on owner_filter once the visible range is larger than this (81017). */
const OWNER_FILTER_THRESHOLD = 1000;

function memberJson(ctx: RouteContext, m: GroupMember, needName: boolean) {
  const ext = m.type === 2 ? ctx.state.externalUsers.get(m.userid) : undefined;
  const name = m.type === 1 ? ctx.state.employees.get(m.userid)?.name : ext?.name;
  return {
    userid: m.userid,
    type: m.type,
    unionid: ext?.type === 1 ? ext.unionid : undefined,
    join_time: m.joinTime,
    join_scene: m.joinScene,
    invitor: m.invitor ? { userid: m.invitor } : undefined,
    group_nickname: m.groupNickname,
    name: needName ? (name ?? '') : undefined,
    state: m.state,
  };
}

export function groupChatJson(ctx: RouteContext, c: GroupChat, needName: boolean) {
  return {
    chat_id: c.chatId,
    name: c.name,
    owner: c.owner,
    create_time: c.createTime,
    notice: c.notice,
    member_list: c.members.map((m) => memberJson(ctx, m, needName)),
    admin_list: c.admins.map((userid) => ({ userid })),
    member_version: c.memberVersion,
  };
}

function requireJoinWay(ctx: RouteContext): JoinWay {
  const id = ctx.body.reqStr('config_id', E.INVALID_PARAM);
  const way = ctx.state.joinWays.get(id);
  if (!way) fail(E.INVALID_PARAM, 'invalid config_id');
  return way;
}

/** add and update share these rules; update passes the stored way as the base. */
function readJoinWay(ctx: RouteContext, b: Fields, base?: JoinWay) {
  const scene = (b.int('scene', { oneOf: [1, 2] }) ?? base?.scene) as 1 | 2 | undefined;
  if (scene === undefined) fail(E.INVALID_PARAM, 'scene missing');
  const chatIdList = b.strs('chat_id_list', { maxItems: 5 }) ?? base?.chatIdList ?? [];
  if (chatIdList.length === 0) fail(E.INVALID_PARAM, 'chat_id_list missing');
  for (const id of chatIdList) ctx.state.requireChat(id);
  const remark = b.str('remark');
  return {
    scene,
    // remark is truncated, not rejected, beyond 30 characters (doc §4.9).
    remark: remark === undefined ? (base?.remark ?? '') : [...remark].slice(0, 30).join(''),
    autoCreateRoom: (b.int('auto_create_room', { oneOf: [0, 1] }) ?? base?.autoCreateRoom ?? 1) as 0 | 1,
    roomBaseName: b.str('room_base_name', { maxChars: 40 }) ?? base?.roomBaseName,
    roomBaseId: b.int('room_base_id', { min: 0 }) ?? base?.roomBaseId,
    chatIdList,
    state: b.str('state', { maxChars: 30 }) ?? base?.state ?? '',
  };
}

export const groupChatRoutes: Route[] = [
  {
    method: 'POST',
    path: `${P}/list`,
    handle(ctx) {
      const b = ctx.body;
      const limit = b.reqInt('limit', E.INVALID_PARAM, { min: 1, max: 1000 });
      const status = b.int('status_filter', { oneOf: [0, 1, 2, 3] }) ?? 0;
      const owners = b.obj('owner_filter')?.strs('userid_list', { maxItems: 100 });
      if (!owners?.length && ctx.state.employees.size > OWNER_FILTER_THRESHOLD) fail(E.VISIBLE_RANGE_TOO_LARGE);
      const chats = [...ctx.state.groupChats.values()].filter(
        (c) => !c.dismissed && (status === 0 || c.status === status) && (!owners?.length || owners.includes(c.owner)),
      );
      const { page, next } = paginate(chats, b.str('cursor'), limit);
      return { group_chat_list: page.map((c) => ({ chat_id: c.chatId, status: c.status })), next_cursor: next };
    },
  },
  {
    method: 'POST',
    path: `${P}/get`,
    handle(ctx) {
      const chat = ctx.state.requireChat(ctx.body.reqStr('chat_id', E.INVALID_CHATID));
      const needName = ctx.body.int('need_name', { oneOf: [0, 1] }) === 1;
      return { group_chat: groupChatJson(ctx, chat, needName) };
    },
  },
  {
    method: 'POST',
    path: `${P}/add_join_way`,
    handle(ctx) {
      const w = readJoinWay(ctx, ctx.body);
      requireQuota(ctx.state);
      const way: JoinWay = { configId: newId.configId(), qrCode: newId.qrCode(), ...w };
      ctx.state.joinWays.set(way.configId, way);
      return { config_id: way.configId };
    },
  },
  {
    method: 'POST',
    path: `${P}/get_join_way`,
    handle(ctx) {
      const w = requireJoinWay(ctx);
      return {
        join_way: {
          config_id: w.configId,
          scene: w.scene,
          remark: w.remark,
          auto_create_room: w.autoCreateRoom,
          room_base_name: w.roomBaseName,
          room_base_id: w.roomBaseId,
          chat_id_list: w.chatIdList,
          qr_code: w.scene === 2 ? w.qrCode : undefined,
          state: w.state,
        },
      };
    },
  },
  {
    method: 'POST',
    path: `${P}/update_join_way`,
    handle(ctx) {
      const way = requireJoinWay(ctx);
      Object.assign(way, readJoinWay(ctx, ctx.body, way));
    },
  },
  {
    method: 'POST',
    path: `${P}/del_join_way`,
    handle(ctx) {
      ctx.state.joinWays.delete(requireJoinWay(ctx).configId);
    },
  },
];

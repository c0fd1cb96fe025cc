import { newId } from './ids.js';
import type { ContactWay, EmulatorState, GroupChat, GroupMember, Relationship } from './state.js';
import { seconds } from './validate.js';

/**
 * Things that happen in the WeCom clients rather than through the API: each function changes
 * the emulator's state the way WeCom would and returns the inner event (buildXml fields, §3)
 * for the callback driver. Misuse by a test (unknown way, chat, relationship) throws a plain
 * Error, because it is a bug in the test, not a WeCom answer.
 */

export type InnerEvent = Record<string, unknown>;

export interface ExternalUserInput {
  externalUserId?: string;
  name?: string;
  unionid?: string;
  type?: 1 | 2;
}

export function createExternalUser(state: EmulatorState, input: ExternalUserInput = {}) {
  const type = input.type ?? 1;
  const externalUserId = input.externalUserId ?? newId.externalUser(type);
  const existing = state.externalUsers.get(externalUserId);
  if (existing) return existing;
  const user = {
    externalUserId,
    name: input.name ?? `客户${externalUserId.slice(-4)}`,
    type,
    gender: 0 as const,
    unionid: input.unionid,
    avatar: `https://wework.qpic.cn/wwhead/${externalUserId.slice(2, 12)}/0`,
    corpName: type === 2 ? '外部企业' : undefined,
  };
  state.externalUsers.set(externalUserId, user);
  return user;
}

export function contactEvent(changeType: string, userid: string, externalUserId: string, extra: InnerEvent = {}): InnerEvent {
  return { Event: 'change_external_contact', ChangeType: changeType, UserID: userid, ExternalUserID: externalUserId, ...extra };
}

export interface ScanResult {
  way: ContactWay;
  userid: string;
  externalUserId: string;
  welcomeCode?: string;
}

/**
 * A customer scans a 「联系我」 QR: the follow relationship exists from this moment (add_way 1,
 * the way's state, the customer as operator) and a WelcomeCode starts its 20 s window.
 */
export function scanContactWay(state: EmulatorState, now: number, configId: string, input?: ExternalUserInput): ScanResult {
  const way = state.contactWays.get(configId);
  if (!way) throw new Error(`unknown contact way ${configId}`);
  if (way.isTemp && (way.tempUsed || now >= way.createdAt + (way.expiresIn ?? 0) * 1000)) {
    throw new Error(`temporary contact way ${configId} is no longer valid`);
  }
  // The emulator models no departments, so only the way's listed users can be picked.
  if (way.user.length === 0) throw new Error(`contact way ${configId} has no users to pick`);
  const userid = way.user[way.nextUser % way.user.length]!;
  const employee = state.requireEmployee(userid);
  // Checked before anything changes, so a refused scan leaves the round-robin where it was.
  if (input?.externalUserId !== undefined && state.relationship(userid, input.externalUserId)) {
    throw new Error(`${input.externalUserId} is already a contact of ${userid}; WeCom sends no event for that`);
  }
  way.nextUser++;
  const ext = createExternalUser(state, input);
  state.putRelationship({
    userid,
    externalUserId: ext.externalUserId,
    remark: '',
    description: '',
    createtime: seconds(now),
    tagIds: [],
    remarkCorpName: '',
    remarkMobiles: [],
    addWay: 1,
    operUserid: ext.externalUserId,
    state: way.state,
  });
  if (way.isTemp) way.tempUsed = true;
  // No code when the admin configured a welcome, or for WeCom users of another corp, who get
  // a business card automatically (doc §3.1).
  let welcomeCode: string | undefined;
  if (!employee.adminWelcome && ext.type === 1) {
    welcomeCode = newId.welcomeCode();
    state.welcomeCodes.set(welcomeCode, { code: welcomeCode, userid, externalUserId: ext.externalUserId, issuedAt: now });
  }
  return { way, userid, externalUserId: ext.externalUserId, welcomeCode };
}

export function requireRelationship(state: EmulatorState, userid: string, externalUserId: string): Relationship {
  const r = state.relationship(userid, externalUserId);
  if (!r) throw new Error(`${userid} and ${externalUserId} are not contacts`);
  return r;
}

export interface EmployeeEdit {
  remark?: string;
  description?: string;
  addTags?: string[];
  removeTags?: string[];
}

export function editRelationship(state: EmulatorState, userid: string, externalUserId: string, edit: EmployeeEdit = {}): InnerEvent {
  const r = requireRelationship(state, userid, externalUserId);
  if (edit.remark !== undefined) r.remark = edit.remark;
  if (edit.description !== undefined) r.description = edit.description;
  const tags = new Set(r.tagIds);
  for (const id of edit.addTags ?? []) {
    if (!state.liveTag(id)) throw new Error(`unknown tag ${id}`);
    tags.add(id);
  }
  for (const id of edit.removeTags ?? []) tags.delete(id);
  r.tagIds = [...tags];
  return contactEvent('edit_external_contact', userid, externalUserId);
}

// ---- customer groups ----

function requireChat(state: EmulatorState, chatId: string): GroupChat {
  const c = state.groupChats.get(chatId);
  if (!c || c.dismissed) throw new Error(`unknown group chat ${chatId}`);
  return c;
}

const memberType = (state: EmulatorState, id: string): 1 | 2 => (state.employees.has(id) ? 1 : 2);

export interface GroupInput {
  owner: string;
  name?: string;
  members?: string[];
  chatId?: string;
  notice?: string;
}

export function createGroup(state: EmulatorState, now: number, input: GroupInput): GroupChat {
  state.requireEmployee(input.owner);
  const chatId = input.chatId ?? newId.chat();
  if (state.groupChats.has(chatId)) throw new Error(`group chat ${chatId} exists`);
  const nowSec = seconds(now);
  const ids = [input.owner, ...(input.members ?? []).filter((m) => m !== input.owner)];
  const chat: GroupChat = {
    chatId,
    name: input.name ?? '',
    owner: input.owner,
    createTime: nowSec,
    notice: input.notice ?? '',
    members: ids.map((id) => ({
      userid: id,
      type: memberType(state, id),
      joinTime: nowSec,
      joinScene: 1,
      invitor: id === input.owner ? undefined : input.owner,
      groupNickname: '',
    })),
    admins: [],
    memberVersion: newId.memberVersion(),
    status: 0,
    dismissed: false,
  };
  for (const m of chat.members) if (m.type === 2) createExternalUser(state, { externalUserId: m.userid });
  state.groupChats.set(chatId, chat);
  return chat;
}

export const groupCreatedEvent = (chatId: string): InnerEvent => ({ Event: 'change_external_chat', ChatId: chatId, ChangeType: 'create' });

function memberChange(chat: GroupChat, detail: 'add_member' | 'del_member', sceneField: string, scene: number, ids: string[], last: string): InnerEvent {
  return {
    Event: 'change_external_chat',
    ChatId: chat.chatId,
    ChangeType: 'update',
    UpdateDetail: detail,
    [sceneField]: scene,
    MemChangeCnt: ids.length,
    MemChangeList: { Item: ids },
    LastMemVer: last,
    CurMemVer: chat.memberVersion,
  };
}

export interface JoinOptions {
  /** employee who invited them (scene 0) */
  invitor?: string;
  /** joined through this join way's QR: its state is recorded on the member */
  joinWay?: string;
  /** scene 0 via an invite link rather than a direct invite */
  viaLink?: boolean;
}

/**
 * The event numbers join scenes 0 (invited) / 3 (scanned QR); groupchat/get numbers them
 * 1 direct invite / 2 link / 3 QR (doc §3.2 vs §4.8), so both are kept consistent here.
 */
export function joinGroup(state: EmulatorState, now: number, chatId: string, users: string[], scene: 0 | 3, opts: JoinOptions = {}): InnerEvent {
  const chat = requireChat(state, chatId);
  const joinState = opts.joinWay === undefined ? undefined : state.joinWays.get(opts.joinWay)?.state;
  if (opts.joinWay !== undefined && joinState === undefined) throw new Error(`unknown join way ${opts.joinWay}`);
  const added = users.filter((u) => !chat.members.some((m) => m.userid === u));
  const last = chat.memberVersion;
  for (const id of added) {
    const type = memberType(state, id);
    if (type === 2) createExternalUser(state, { externalUserId: id });
    const member: GroupMember = {
      userid: id,
      type,
      joinTime: seconds(now),
      joinScene: scene === 3 ? 3 : opts.viaLink ? 2 : 1,
      invitor: scene === 0 ? (opts.invitor ?? chat.owner) : undefined,
      groupNickname: '',
      state: joinState || undefined,
    };
    chat.members.push(member);
  }
  chat.memberVersion = newId.memberVersion();
  return memberChange(chat, 'add_member', 'JoinScene', scene, added, last);
}

export function quitGroup(state: EmulatorState, chatId: string, users: string[], scene: 0 | 1): InnerEvent {
  const chat = requireChat(state, chatId);
  const removed = users.filter((u) => chat.members.some((m) => m.userid === u));
  const last = chat.memberVersion;
  chat.members = chat.members.filter((m) => !removed.includes(m.userid));
  chat.admins = chat.admins.filter((a) => !removed.includes(a));
  chat.memberVersion = newId.memberVersion();
  return memberChange(chat, 'del_member', 'QuitScene', scene, removed, last);
}

export function dismissGroup(state: EmulatorState, chatId: string): InnerEvent {
  requireChat(state, chatId).dismissed = true;
  return { Event: 'change_external_chat', ChatId: chatId, ChangeType: 'dismiss' };
}

export function renameGroup(state: EmulatorState, chatId: string, name: string): InnerEvent {
  requireChat(state, chatId).name = name;
  return { Event: 'change_external_chat', ChatId: chatId, ChangeType: 'update', UpdateDetail: 'change_name' };
}

// ---- corp tag library (admin console edits) ----

export type TagChangeKind = 'create' | 'update' | 'delete' | 'shuffle';

export interface TagChangeOptions {
  /** create: the tag name (default "新标签") */
  name?: string;
  /** create: add into this group; otherwise into `groupName` (created when missing) */
  groupId?: string;
  groupName?: string;
  /** update/delete: tag or group id; shuffle: the group whose tags were reordered */
  id?: string;
  order?: number;
  strategyId?: string;
}

export function changeTagLibrary(state: EmulatorState, now: number, kind: TagChangeKind, opts: TagChangeOptions = {}): { id: string; event: InnerEvent } {
  const nowSec = seconds(now);
  const event = (id: string, tagType?: 'tag' | 'tag_group'): InnerEvent => ({
    Event: 'change_external_tag',
    Id: id,
    TagType: tagType,
    ChangeType: kind,
    StrategyId: opts.strategyId,
  });
  if (kind === 'create') {
    const group = opts.groupId !== undefined ? state.tagGroups.get(opts.groupId) : state.ensureTagGroup(opts.groupName ?? '默认分组', 0, nowSec);
    if (!group || group.deleted) throw new Error(`unknown tag group ${opts.groupId}`);
    const tag = state.addTag(group, opts.name ?? '新标签', opts.order ?? 0, nowSec);
    return { id: tag.id, event: event(tag.id, 'tag') };
  }
  if (kind === 'shuffle') {
    // shuffle's Id is the group, or empty when the group order itself changed (unconfirmed, §3.3).
    const id = opts.id ?? '';
    return { id, event: { ...event(id), TagType: undefined } };
  }
  const id = opts.id ?? '';
  const tag = state.liveTag(id);
  const group = tag ? undefined : state.tagGroups.get(id);
  if (!tag && (!group || group.deleted)) throw new Error(`unknown tag or group ${id}`);
  if (kind === 'update') {
    const item = tag ?? group!;
    if (opts.name !== undefined) item.name = opts.name;
    if (opts.order !== undefined) item.order = opts.order;
  } else if (tag) state.deleteTag(id);
  else state.deleteTagGroup(id);
  return { id, event: event(id, tag ? 'tag' : 'tag_group') };
}

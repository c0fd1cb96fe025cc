import { E, fail } from './errors.js';
import { newId } from './ids.js';

/**
 * The emulator's in-memory world (protocol doc §9.1 "state"). Plain records keyed by id;
 * routes and the callback driver mutate it, tests read it through WecomEmulator's lookups.
 * All times are epoch milliseconds of the injected clock unless a field says seconds.
 */

export interface Employee {
  userid: string;
  name: string;
  /** customer contact (客户联系) enabled and inside the app's visible range */
  followEnabled: boolean;
  /** the admin console configured a welcome for this employee, so events carry no WelcomeCode */
  adminWelcome: boolean;
}

export interface ExternalUser {
  externalUserId: string;
  name: string;
  /** 1 WeChat user, 2 WeCom user of another corp */
  type: 1 | 2;
  gender: 0 | 1 | 2;
  unionid?: string;
  avatar: string;
  corpName?: string;
}

export interface Relationship {
  userid: string;
  externalUserId: string;
  remark: string;
  description: string;
  /** seconds */
  createtime: number;
  tagIds: string[];
  remarkCorpName: string;
  remarkMobiles: string[];
  addWay: number;
  operUserid: string;
  state: string;
  /** when a welcome was delivered on this relationship (ms) */
  welcomedAt?: number;
}

export interface CorpTag {
  id: string;
  groupId: string;
  name: string;
  /** seconds */
  createTime: number;
  order: number;
  deleted: boolean;
  /** secret of the app that created it through the API; undefined = made in the admin console */
  createdBy?: string;
}

export interface CorpTagGroup {
  groupId: string;
  name: string;
  /** seconds */
  createTime: number;
  order: number;
  deleted: boolean;
  tagIds: string[];
  createdBy?: string;
}

export interface ContactWay {
  configId: string;
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark: string;
  skipVerify: boolean;
  state: string;
  user: string[];
  party: number[];
  isTemp: boolean;
  expiresIn?: number;
  chatExpiresIn?: number;
  unionid?: string;
  conclusions?: unknown;
  qrCode: string;
  createdAt: number;
  /** round-robin position over `user` for customerScans */
  nextUser: number;
  /** a temporary way becomes invalid after one add (doc §4.1) */
  tempUsed: boolean;
}

export interface WelcomeCode {
  code: string;
  userid: string;
  externalUserId: string;
  issuedAt: number;
  usedAt?: number;
}

export interface GroupMember {
  userid: string;
  /** 1 employee, 2 external */
  type: 1 | 2;
  /** seconds */
  joinTime: number;
  /** groupchat/get numbering: 1 direct invite, 2 invite link, 3 scanned group QR */
  joinScene: 1 | 2 | 3;
  invitor?: string;
  groupNickname: string;
  state?: string;
}

export interface GroupChat {
  chatId: string;
  name: string;
  owner: string;
  /** seconds */
  createTime: number;
  notice: string;
  members: GroupMember[];
  admins: string[];
  memberVersion: string;
  /** 0 normal, 1 owner resigned, 2 transfer in progress, 3 transfer done */
  status: 0 | 1 | 2 | 3;
  dismissed: boolean;
}

export interface JoinWay {
  configId: string;
  scene: 1 | 2;
  remark: string;
  autoCreateRoom: 0 | 1;
  roomBaseName?: string;
  roomBaseId?: number;
  chatIdList: string[];
  state: string;
  qrCode: string;
}

export type MassSendStatus = 0 | 1 | 2 | 3;

export interface MassMessage {
  msgid: string;
  chatType: 'single' | 'group';
  /** who created it in the admin console or client; absent for messages created through the API */
  creator?: string;
  /** 0 created by the corp (API), 1 by an employee */
  createType: 0 | 1;
  /** seconds */
  createTime: number;
  text?: { content: string };
  attachments: unknown[];
  /** per sender: 0 not sent, 2 sent (get_groupmsg_task numbering) */
  tasks: Map<string, { status: 0 | 2; sendTime?: number }>;
  /** per recipient: 0 not sent, 1 sent, 2 not a friend, 3 over the receive cap */
  sends: Array<{ target: string; userid: string; status: MassSendStatus; sendTime?: number }>;
}

export interface Media {
  mediaId: string;
  type: 'image' | 'voice' | 'video' | 'file';
  createdAt: number;
  size: number;
  filename?: string;
}

export interface AccessToken {
  token: string;
  corpId: string;
  secret: string;
  issuedAt: number;
  expiresAt: number;
}

export interface WelcomeDelivery {
  code: string;
  userid: string;
  externalUserId: string;
  text?: string;
  attachments: unknown[];
  at: number;
}

export interface AppMessageDelivery {
  msgid: string;
  agentid: number;
  userid: string;
  msgtype: string;
  payload: unknown;
  at: number;
}

const relKey = (userid: string, externalUserId: string) => `${userid}\u0000${externalUserId}`;

export class EmulatorState {
  readonly employees = new Map<string, Employee>();
  readonly externalUsers = new Map<string, ExternalUser>();
  readonly relationships = new Map<string, Relationship>();
  readonly tags = new Map<string, CorpTag>();
  readonly tagGroups = new Map<string, CorpTagGroup>();
  readonly contactWays = new Map<string, ContactWay>();
  readonly welcomeCodes = new Map<string, WelcomeCode>();
  readonly groupChats = new Map<string, GroupChat>();
  readonly joinWays = new Map<string, JoinWay>();
  readonly massMessages = new Map<string, MassMessage>();
  /** Mass messages received per target and month (`target|YYYY-MM`): the monthly cap reads it. */
  readonly massReceived = new Map<string, number>();
  readonly media = new Map<string, Media>();
  readonly tokens = new Map<string, AccessToken>();
  readonly welcomes: WelcomeDelivery[] = [];
  readonly appMessages: AppMessageDelivery[] = [];
  /** recipients message/send dropped silently (rate cap or duplicate check) */
  readonly droppedAppMessages: AppMessageDelivery[] = [];
  /** message/send delivery times per `${agentid}|${userid}` for the per-member caps */
  readonly appSendTimes = new Map<string, number[]>();
  /** last delivery per duplicate-check key */
  readonly appDuplicateKeys = new Map<string, number>();

  requireEmployee(userid: string | undefined, code: number = E.INVALID_USERID): Employee {
    const e = userid === undefined ? undefined : this.employees.get(userid);
    if (!e) fail(code, `userid ${userid ?? ''}`);
    return e;
  }

  requireExternal(externalUserId: string | undefined): ExternalUser {
    const u = externalUserId === undefined ? undefined : this.externalUsers.get(externalUserId);
    if (!u) fail(E.INVALID_EXTERNAL_USERID);
    return u;
  }

  relationship(userid: string, externalUserId: string): Relationship | undefined {
    return this.relationships.get(relKey(userid, externalUserId));
  }

  requireRelationship(userid: string, externalUserId: string): Relationship {
    const r = this.relationship(userid, externalUserId);
    if (!r) fail(E.NO_RELATIONSHIP);
    return r;
  }

  putRelationship(r: Relationship): void {
    this.relationships.set(relKey(r.userid, r.externalUserId), r);
  }

  deleteRelationship(userid: string, externalUserId: string): boolean {
    return this.relationships.delete(relKey(userid, externalUserId));
  }

  followersOf(externalUserId: string): Relationship[] {
    return [...this.relationships.values()].filter((r) => r.externalUserId === externalUserId);
  }

  customersOf(userid: string): Relationship[] {
    return [...this.relationships.values()].filter((r) => r.userid === userid);
  }

  liveTag(id: string): CorpTag | undefined {
    const t = this.tags.get(id);
    return t && !t.deleted ? t : undefined;
  }

  liveTagCount(): number {
    let n = 0;
    for (const t of this.tags.values()) if (!t.deleted) n++;
    return n;
  }

  /** Creates a tag group (or reuses a live one with that name, which is what WeCom does). */
  ensureTagGroup(name: string, order: number, nowSec: number, createdBy?: string): CorpTagGroup {
    for (const g of this.tagGroups.values()) if (!g.deleted && g.name === name) return g;
    const g: CorpTagGroup = { groupId: newId.tag(), name, createTime: nowSec, order, deleted: false, tagIds: [], createdBy };
    this.tagGroups.set(g.groupId, g);
    return g;
  }

  addTag(group: CorpTagGroup, name: string, order: number, nowSec: number, createdBy?: string): CorpTag {
    const t: CorpTag = { id: newId.tag(), groupId: group.groupId, name, createTime: nowSec, order, deleted: false, createdBy };
    this.tags.set(t.id, t);
    group.tagIds.push(t.id);
    return t;
  }

  /**
   * Deleting a tag removes it from every relationship (customers cannot carry a deleted tag);
   * a group with no live tag left is deleted too (WeCom removes empty groups).
   */
  deleteTag(id: string): void {
    const t = this.tags.get(id);
    if (!t || t.deleted) return;
    t.deleted = true;
    for (const r of this.relationships.values()) r.tagIds = r.tagIds.filter((x) => x !== id);
    const g = this.tagGroups.get(t.groupId);
    if (g && g.tagIds.every((x) => this.tags.get(x)?.deleted)) g.deleted = true;
  }

  deleteTagGroup(groupId: string): void {
    const g = this.tagGroups.get(groupId);
    if (!g || g.deleted) return;
    for (const id of g.tagIds) this.deleteTag(id);
    g.deleted = true;
  }

  requireChat(chatId: string | undefined): GroupChat {
    const c = chatId === undefined ? undefined : this.groupChats.get(chatId);
    if (!c || c.dismissed) fail(E.INVALID_CHATID);
    return c;
  }
}

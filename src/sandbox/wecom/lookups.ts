import { contactWayJson } from './routes-contact-way.js';
import { EmulatorState, type AccessToken, type Employee, type GroupChat, type JoinWay, type Media, type Relationship, type WelcomeCode } from './state.js';

export interface CallRecord {
  /** injected-clock ms */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** parsed JSON body; `{ bytes }` for uploads */
  body: unknown;
  /** errcode answered; -1 for a connection dropped before handling, 404 for an unknown path */
  errcode: number;
  dropped?: boolean;
}

/** A follow relationship with its live corp tags resolved to names. */
export type RelationshipView = Relationship & {
  tags: Array<{ id: string; name: string; groupId: string; groupName: string }>;
};

export interface CorpTagGroupView {
  groupId: string;
  groupName: string;
  order: number;
  tags: Array<{ id: string; name: string; order: number }>;
}

/**
 * The emulator's state and the read-only views tests and the sandbox inspect it through (what
 * WeCom would show in its admin console): the calls made, employees, customers, contact ways,
 * relationships with their tags, the tag library, groups, codes, media and mass messages.
 */
export class EmulatorLookups {
  readonly calls: CallRecord[] = [];
  protected readonly state = new EmulatorState();

  callsTo(path: string): CallRecord[] {
    return this.calls.filter((c) => c.path === path);
  }

  employee(userid: string): Readonly<Employee> | undefined {
    return this.state.employees.get(userid);
  }

  externalUser(externalUserId: string) {
    return this.state.externalUsers.get(externalUserId);
  }

  /** The contact way as get_contact_way would describe it. */
  contactWay(configId: string): Record<string, unknown> | undefined {
    const w = this.state.contactWays.get(configId);
    return w && contactWayJson(w);
  }

  relationship(userid: string, externalUserId: string): RelationshipView | undefined {
    const r = this.state.relationship(userid, externalUserId);
    if (!r) return undefined;
    const tags = r.tagIds.flatMap((id) => {
      const t = this.state.liveTag(id);
      return t ? [{ id: t.id, name: t.name, groupId: t.groupId, groupName: this.state.tagGroups.get(t.groupId)?.name ?? '' }] : [];
    });
    return { ...r, tagIds: [...r.tagIds], remarkMobiles: [...r.remarkMobiles], tags };
  }

  relationshipsOf(externalUserId: string): RelationshipView[] {
    return this.state.followersOf(externalUserId).map((r) => this.relationship(r.userid, r.externalUserId)!);
  }

  /** Live corp tag library, groups and tags in WeCom's order. */
  corpTags(): CorpTagGroupView[] {
    return [...this.state.tagGroups.values()]
      .filter((g) => !g.deleted)
      .map((g) => ({
        groupId: g.groupId,
        groupName: g.name,
        order: g.order,
        tags: g.tagIds.flatMap((id) => {
          const t = this.state.liveTag(id);
          return t ? [{ id: t.id, name: t.name, order: t.order }] : [];
        }),
      }));
  }

  groupChat(chatId: string): Readonly<GroupChat> | undefined {
    return this.state.groupChats.get(chatId);
  }

  joinWay(configId: string): Readonly<JoinWay> | undefined {
    return this.state.joinWays.get(configId);
  }

  welcomeCode(code: string): Readonly<WelcomeCode> | undefined {
    return this.state.welcomeCodes.get(code);
  }

  media(mediaId: string): Readonly<Media> | undefined {
    return this.state.media.get(mediaId);
  }

  massMessage(msgid: string) {
    const m = this.state.massMessages.get(msgid);
    if (!m) return undefined;
    return { ...m, tasks: [...m.tasks].map(([userid, t]) => ({ userid, ...t })), sends: m.sends.map((s) => ({ ...s })) };
  }

  /** The mass messages (msgids, oldest first) that have this customer or group among their recipients. */
  massMessagesTo(target: string): string[] {
    return [...this.state.massMessages.values()].filter((m) => m.sends.some((s) => s.target === target)).map((m) => m.msgid);
  }

  token(token: string): Readonly<AccessToken> | undefined {
    return this.state.tokens.get(token);
  }
}

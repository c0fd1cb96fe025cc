import type { EventEmitter } from 'node:events';
import type { mock } from 'wechaty-puppet-mock';

type MockContact = ReturnType<mock.Mocker['createContact']>;
type MockRoom = ReturnType<mock.Mocker['createRoom']>;

/** A sandbox person: a customer who added a rep (their WeCom external userid) or a stranger by name. */
export interface Person {
  externalUserId?: string;
  name: string;
}

const HEARD_MAX = 200;
const ROOM_OWNER = '群主（沙箱）';

/**
 * Customers' phones in the sandbox, on the bot's wechaty-puppet-mock: messages they write reach
 * the bot exactly as a real chat would (through the puppet and the adapter), and what the bot
 * says back is kept per chat so a person trying Siyu by hand can read it. A customer's mock
 * contact carries their WeCom external userid as its handle, so the bot links the chat to the
 * customer their add created.
 */
export class MockPhones {
  private readonly contacts = new Map<string, MockContact>();
  private readonly rooms = new Map<string, MockRoom>();
  private readonly heard = new Map<string, string[]>();
  private owner?: MockContact;

  constructor(
    private readonly mocker: mock.Mocker,
    /** The bot account's own contact (what it says is heard, the rest ignored). */
    private readonly me: MockContact,
  ) {}

  private botId(): string {
    return this.me.id;
  }

  private listen(target: MockContact | MockRoom): void {
    (target as unknown as EventEmitter).on('message', (m: { talker(): { id: string }; text(): string }) => {
      if (m.talker().id !== this.botId()) return;
      const list = this.heard.get(target.id) ?? [];
      list.push(m.text());
      if (list.length > HEARD_MAX) list.shift();
      this.heard.set(target.id, list);
    });
  }

  /** The phone of this person (made on first use). */
  contact(p: Person): MockContact {
    const key = p.externalUserId ? `x:${p.externalUserId}` : `n:${p.name}`;
    let c = this.contacts.get(key);
    if (!c) {
      c = this.mocker.createContact({ name: p.name, ...(p.externalUserId ? { handle: p.externalUserId } : {}) } as never);
      this.listen(c);
      this.contacts.set(key, c);
    }
    return c;
  }

  /** The bot's id of a sandbox group: WeChat's room ids end in @chatroom (the puppet tells rooms from contacts by it). */
  static roomIdOf(name: string): string {
    return name.endsWith('@chatroom') ? name : `${name}@chatroom`;
  }

  private room(name: string, topic?: string): MockRoom {
    const roomId = MockPhones.roomIdOf(name);
    let r = this.rooms.get(roomId);
    if (!r) {
      const me = this.botId();
      this.owner ??= this.mocker.createContact({ name: ROOM_OWNER });
      r = this.mocker.createRoom({ id: roomId, topic: topic ?? '沙箱群', memberIdList: [me, this.owner.id], ownerId: this.owner.id } as never);
      this.listen(r);
      this.rooms.set(roomId, r);
    }
    return r;
  }

  /** A 1:1 message to the bot; resolves with what the bot said back within `waitMs`. */
  async dm(p: Person, text: string, waitMs: number): Promise<{ contactId: string; replies: string[] }> {
    const c = this.contact(p);
    const replies = this.collect(c.id, waitMs);
    c.say(text).to(this.me);
    return { contactId: c.id, replies: await replies };
  }

  /** People join a group the bot is in (the group is made on first use), added by its owner. */
  join(roomId: string, people: Person[], topic?: string): string {
    const r = this.room(roomId, topic);
    for (const p of people) r.add(this.contact(p)).by(this.owner!);
    return r.id;
  }

  /** People leave (are removed from) a group. */
  leave(roomId: string, people: Person[]): void {
    const r = this.rooms.get(MockPhones.roomIdOf(roomId));
    if (!r) throw new Error('unknown room');
    for (const p of people) r.remove(this.contact(p)).by(this.owner!);
  }

  /** A message in a group, @mentioning the bot when asked; resolves with the bot's replies in the group within `waitMs`. */
  async roomSay(roomId: string, p: Person, text: string, mentionBot: boolean, waitMs: number): Promise<{ replies: string[] }> {
    const r = this.room(roomId);
    const replies = this.collect(r.id, waitMs);
    const me = this.me;
    if (mentionBot) this.contact(p).say(`@${me.payload?.name ?? ''}\u2005${text}`, [me]).to(r);
    else this.contact(p).say(text).to(r);
    return { replies: await replies };
  }

  hasRoom(roomId: string): boolean {
    return this.rooms.has(MockPhones.roomIdOf(roomId));
  }

  /** Everything the bot said in this chat (a contact id or a room id), oldest first. */
  transcript(id: string): string[] {
    return [...(this.heard.get(id) ?? [])];
  }

  /** The bot's messages to `id` from now on, after `waitMs` or once the first arrived and nothing more came for a moment. */
  private collect(id: string, waitMs: number): Promise<string[]> {
    const before = this.heard.get(id)?.length ?? 0;
    const end = Date.now() + waitMs;
    return new Promise((resolve) => {
      let settledAt = 0;
      const tick = () => {
        const now = this.heard.get(id)?.length ?? 0;
        if (now > before && !settledAt) settledAt = Date.now() + 300;
        if (Date.now() >= end || (settledAt && Date.now() >= settledAt)) return resolve((this.heard.get(id) ?? []).slice(before));
        setTimeout(tick, 25);
      };
      tick();
    });
  }
}

import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { log as wechatyLog, types } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { startBotRole, type BotRole } from '../../main/bot-role.js';
import type { Siyu } from '../../main/compose.js';
import { cacheKeys } from '../../shared/cache-keys.js';

type MockContact = ReturnType<mock.Mocker['createContact']>;

export interface Heard {
  /** The demo's own index of the customer. */
  who: number;
  text: string;
}

/**
 * The bot role of the app on wechaty-puppet-mock, and the customers' phones: each customer is
 * a mock contact whose handle is their WeCom external userid (so the bot links the chat to the
 * customer the add created). Messages carry the demo clock's time. What the bot says to a
 * customer is collected for the scenario to react to.
 */
export async function startMockChat(siyu: Siyu): Promise<MockChat> {
  wechatyLog.level('silent');
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const role = await startBotRole(siyu, { puppet, drainPollMs: 10 });
  const me = mocker.createContact({ name: '思域助手' });
  const loggedIn = new Promise<void>((resolve) => role.runtime.bot.once('login', () => resolve()));
  mocker.login(me);
  await loggedIn;
  return new MockChat(siyu, role, mocker, me);
}

export class MockChat {
  private readonly contacts = new Map<number, MockContact>();
  private heard: Heard[] = [];
  /** Messages customers sent, to wait until the bot has handled them all. */
  sent = 0;
  /** Messages the bot sent that reached a customer's phone, to wait until every sent one has. */
  received = 0;

  constructor(
    private readonly siyu: Siyu,
    readonly role: BotRole,
    private readonly mocker: mock.Mocker,
    private readonly me: MockContact,
  ) {}

  /** The phone of customer `who`, who added a rep as `externalUserId`. */
  customer(who: number, name: string, externalUserId: string): void {
    const c = this.mocker.createContact({ name, handle: externalUserId } as never);
    (c as unknown as EventEmitter).on('message', (m: { talker(): { id: string }; text(): string }) => {
      if (m.talker().id !== this.me.id) return;
      this.heard.push({ who, text: m.text() });
      this.received++;
    });
    this.contacts.set(who, c);
  }

  has(who: number): boolean {
    return this.contacts.has(who);
  }

  /** Customer `who` writes to the bot account, at the demo clock's time. */
  say(who: number, text: string): void {
    const c = this.contacts.get(who);
    if (!c) throw new Error(`customer ${who} has no phone`);
    const id = `demo${randomBytes(10).toString('hex')}`;
    this.mocker.MessageMock.create({ id, talkerId: c.id, listenerId: this.me.id, timestamp: this.siyu.clock.now(), type: types.Message.Text, text } as never);
    this.mocker.puppet.emit('message', { messageId: id });
    this.sent++;
  }

  /**
   * What the bot said since the last call, in a fixed order (by customer, then text): the
   * outbox sends rows due at the same time in no particular order, and the customers' seeded
   * reactions must not depend on it.
   */
  takeHeard(): Heard[] {
    const out = this.heard.sort((a, b) => a.who - b.who || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    this.heard = [];
    return out;
  }

  /**
   * The in-process cache measures the bot account's lock by the injected clock; a jump of the
   * demo clock would read as a dead holder and stop the outbox. Carried across each jump (Redis
   * measures it in real time and needs nothing).
   */
  async lockCarrier(): Promise<() => void> {
    const { cache, config } = this.siyu;
    if (cache.kind !== 'memory') return () => {};
    const key = cacheKeys(config.cache.prefix).botLock(config.bot.account);
    const token = await cache.get(key);
    return () => {
      if (token !== null) void cache.set(key, token, 30_000);
    };
  }

  close(): Promise<void> {
    return this.role.close();
  }
}

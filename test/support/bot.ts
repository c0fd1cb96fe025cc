import type { EventEmitter } from 'node:events';
import type { ExecutionContext } from 'ava';
import { log as wechatyLog } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { startBotRole, type BotRole } from '../../src/main/bot-role.js';
import type { Siyu, SiyuOptions } from '../../src/main/compose.js';
import { startApp } from './app.js';

wechatyLog.level('silent');

type MockContact = ReturnType<mock.Mocker['createContact']>;
type MockRoom = ReturnType<mock.Mocker['createRoom']>;

export interface BotWorld {
  siyu: Siyu;
  role: BotRole;
  mocker: mock.Mocker;
  me: MockContact;
  contact(name: string, o?: { coworker?: boolean }): MockContact;
  room(id: string, topic: string, members: MockContact[], owner?: MockContact): MockRoom;
  /** Resolves with the next message the bot sends to this contact/room that passes `pred`. */
  nextFromBot(target: MockContact | MockRoom, pred?: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Everything the bot sent to this target so far. */
  sentTo(target: MockContact | MockRoom): string[];
  /** Waits until `check` passes (polling; the bot works asynchronously). */
  until<T>(check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
}

/**
 * The real app (random port, emulator, fresh DB) plus its bot role on wechaty-puppet-mock,
 * logged in as a mock account. The outbox drains at a high pace so tests do not wait on it;
 * pacing itself is tested against the drainer directly.
 */
export async function startBotWorld(t: ExecutionContext, o: { bot?: Record<string, unknown>; overrides?: Record<string, unknown>; options?: SiyuOptions } = {}): Promise<BotWorld> {
  const siyu = await startApp(t, {
    overrides: { bot: { ratePerMinute: 600, jitterMs: 0, groupWelcomeBatchMs: 0, backoffBaseMs: 100, adminUserIds: ['rep003'], ...o.bot }, ...o.overrides },
    options: o.options,
  });
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const role = await startBotRole(siyu, { puppet, drainPollMs: 20 });
  t.teardown(() => role.close());
  const me = mocker.createContact({ name: '思域助手' });
  const loggedIn = new Promise<void>((resolve) => role.runtime.bot.once('login', () => resolve()));
  mocker.login(me);
  await loggedIn;
  const log = new Map<string, string[]>();
  const watch = (target: MockContact | MockRoom) => {
    (target as unknown as EventEmitter).on('message', (m: { talker(): { id: string }; text(): string }) => {
      if (m.talker().id !== me.id) return;
      const list = log.get(target.id) ?? [];
      list.push(m.text());
      log.set(target.id, list);
    });
    return target;
  };
  const world: BotWorld = {
    siyu,
    role,
    mocker,
    me,
    contact: (name, c = {}) => watch(mocker.createContact({ name, ...(c.coworker ? { coworker: true } : {}) } as never)) as MockContact,
    room: (id, topic, members, owner) =>
      watch(mocker.createRoom({ id, topic, memberIdList: [me.id, ...members.map((m) => m.id)], ...(owner ? { ownerId: owner.id } : {}) } as never)) as MockRoom,
    nextFromBot: (target, pred = () => true, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          (target as unknown as EventEmitter).off('message', on);
          reject(new Error(`no message from the bot to ${target.id} within ${timeoutMs} ms; it got ${JSON.stringify(log.get(target.id) ?? [])}`));
        }, timeoutMs);
        const on = (m: { talker(): { id: string }; text(): string }) => {
          if (m.talker().id !== me.id || !pred(m.text())) return;
          clearTimeout(timer);
          (target as unknown as EventEmitter).off('message', on);
          resolve(m.text());
        };
        (target as unknown as EventEmitter).on('message', on);
      }),
    sentTo: (target) => [...(log.get(target.id) ?? [])],
    until: async (check, timeoutMs = 5000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = await check();
        if (v !== undefined && v !== false) return v as never;
        if (Date.now() > end) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  return world;
}

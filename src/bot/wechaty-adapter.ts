import { types, type Contact, type Message, type Room, type Wechaty } from 'wechaty';
import type { InboundMessage, MessageKind } from '../domain/conversation/conversation.types.js';
import type { ConversationRef } from '../domain/outbox/outbox.types.js';
import type { Logger } from '../shared/logger.js';
import type { EchoMemory } from './echo-memory.js';

/** What the bot does with what arrives; the domain services behind a thin seam. */
export interface BotHandlers {
  direct(m: InboundMessage): Promise<void>;
  group(m: InboundMessage): Promise<void>;
  repSpoke(to: ConversationRef, text: string, at: number): Promise<void>;
  joined(roomId: string, members: Array<{ id: string; name: string }>, at: number): Promise<void>;
  left(roomId: string, members: Array<{ id: string }>, at: number): Promise<void>;
}

export interface AdapterDeps {
  account: string;
  handlers: BotHandlers;
  /** true the first time a message id is seen (SET NX EX in the cache). */
  firstSeen(messageId: string): Promise<boolean>;
  /** Forget a message id whose handling failed, so a redelivery is handled. */
  forget(messageId: string): Promise<void>;
  echo: EchoMemory;
  maxAgeSec: number;
  /** The process clock (ms): a message's age is measured against it, like every other time. */
  now?(): number;
  log: Logger;
  /** Finds a QR code in image bytes (anti-spam); images are not read without it. */
  detectQr?(bytes: Buffer): boolean;
  onInbound?(outcome: 'handled' | 'self' | 'echo' | 'old' | 'duplicate' | 'error'): void;
  /** Messages handled at once; the rest wait their turn in memory (default 1024). */
  maxInFlight?: number;
}

const KIND: Partial<Record<number, MessageKind>> = {
  [types.Message.Text]: 'text',
  [types.Message.Image]: 'image',
  [types.Message.Url]: 'url',
  [types.Message.MiniProgram]: 'miniprogram',
  [types.Message.Contact]: 'contact',
  [types.Message.Attachment]: 'file',
};

/**
 * The only place that turns Wechaty events into domain calls. For each message: drop our own
 * echoes (a self message we did not send is the account's human user talking), drop old ones
 * (a re-login replays history), dedupe redeliveries, map, and call the handler inside a
 * try/catch — a failing handler is logged and never takes the process down. Message texts are
 * never logged. Returns how to detach it and how to wait for the messages in hand.
 */
export function attachWechaty(bot: Wechaty, d: AdapterDeps): { detach(): void; idle(timeoutMs: number): Promise<void> } {
  const count = (o: Parameters<NonNullable<AdapterDeps['onInbound']>>[0]) => d.onInbound?.(o);
  // Wechaty's msg.age() reads the wall clock; an injected clock (tests, the demo's accelerated
  // time) must agree with the timestamps the handlers store, so age is taken from it.
  const now = d.now ?? (() => Date.now());
  const tooOld = (msg: Message) => Math.floor((now() - msg.date().getTime()) / 1000) > d.maxAgeSec;
  const queue = conversationQueue(d.maxInFlight ?? 1024);
  const onMessage = (msg: Message): Promise<void> => queue.run(conversationKey(msg), () => handleMessage(msg));

  const handleMessage = async (msg: Message) => {
    try {
      const room = msg.room();
      if (msg.self()) {
        const listener = msg.listener();
        if (room || !listener) return count('self');
        const to: ConversationRef = { kind: 'dm', contactId: listener.id };
        const text = msg.text();
        if (d.echo.take(to, text)) return count('echo');
        if (tooOld(msg)) return count('old');
        if (!(await d.firstSeen(msg.id))) return count('duplicate');
        await d.handlers.repSpoke(to, text, msg.date().getTime());
        return count('handled');
      }
      if (tooOld(msg)) return count('old');
      if (!(await d.firstSeen(msg.id))) return count('duplicate');
      const talker = msg.talker();
      const kind = KIND[msg.type()] ?? 'other';
      try {
        if (room) {
          const m = await mapRoomMessage(msg, room, talker, kind, d.account);
          if (kind === 'image' && d.detectQr && !m.talker.coworker) m.imageHasQr = await readQr(msg, d.detectQr, d.log);
          await d.handlers.group(m);
        }
        else await d.handlers.direct(mapDirect(msg, talker, kind, d.account));
        count('handled');
      } catch (e) {
        await d.forget(msg.id).catch(() => undefined);
        throw e;
      }
    } catch (e) {
      count('error');
      d.log.error({ err: (e as Error).message, code: (e as { code?: string }).code, messageId: msg.id }, 'bot message handler failed');
    }
  };

  const onJoin = async (room: Room, invitees: Contact[], _inviter: Contact, date?: Date) => {
    try {
      await d.handlers.joined(room.id, invitees.map((c) => ({ id: c.id, name: c.name() })), (date ?? new Date()).getTime());
    } catch (e) {
      d.log.error({ err: (e as Error).message, roomId: room.id }, 'room-join handler failed');
    }
  };

  const onLeave = async (room: Room, leavers: Contact[], _remover?: Contact, date?: Date) => {
    try {
      await d.handlers.left(room.id, leavers.map((c) => ({ id: c.id })), (date ?? new Date()).getTime());
    } catch (e) {
      d.log.error({ err: (e as Error).message, roomId: room.id }, 'room-leave handler failed');
    }
  };

  bot.on('message', onMessage);
  bot.on('room-join', onJoin);
  bot.on('room-leave', onLeave);
  return {
    detach: () => {
      bot.off('message', onMessage);
      bot.off('room-join', onJoin);
      bot.off('room-leave', onLeave);
    },
    // Shutdown waits for the messages being handled, so their writes land before the pool closes.
    idle: async (timeoutMs) => {
      const end = Date.now() + timeoutMs;
      while (queue.queued() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

/**
 * One conversation's messages are handled one after another, in arrival order: two quick
 * messages of one customer must not be answered (or stored) the other way round. Different
 * conversations still run side by side, at most `limit` at once: a burst (a re-login, a busy
 * group) must not start thousands of handlers that all wait for the same few database
 * connections until they time out. A message waiting for its predecessor holds no slot.
 */
function conversationQueue(limit: number): { run(key: string, work: () => Promise<void>): Promise<void>; queued(): number } {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const slot = (): Promise<void> => {
    if (inFlight < limit) {
      inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((r) => waiting.push(r));
  };
  // A finished handler hands its slot straight to the next waiting message.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  const chains = new Map<string, Promise<void>>();
  let queued = 0;
  return {
    queued: () => queued,
    run(key, work) {
      queued++;
      const run = (chains.get(key) ?? Promise.resolve()).then(async () => {
        await slot();
        try {
          await work();
        } finally {
          release();
        }
      });
      chains.set(key, run);
      return run.finally(() => {
        queued--;
        if (chains.get(key) === run) chains.delete(key);
      });
    },
  };
}

/** The conversation a message belongs to: its room, or the other party of a 1:1 chat. */
function conversationKey(msg: Message): string {
  try {
    const room = msg.room();
    if (room) return `room:${room.id}`;
    const other = msg.self() ? msg.listener() : msg.talker();
    return `dm:${other?.id ?? ''}`;
  } catch {
    // A payload too broken to name its conversation is handled (and rejected) on its own.
    return `msg:${msg.id}`;
  }
}

async function readQr(msg: Message, detect: (b: Buffer) => boolean, log: Logger): Promise<boolean> {
  try {
    const box = await msg.toFileBox();
    return detect(await box.toBuffer());
  } catch (e) {
    log.warn({ messageId: msg.id, err: (e as Error).message }, 'image not read for QR check');
    return false;
  }
}

function mapDirect(msg: Message, talker: Contact, kind: MessageKind, account: string): InboundMessage {
  return {
    id: msg.id,
    account,
    conversation: { kind: 'dm', contactId: talker.id },
    talker: { id: talker.id, name: talker.name(), coworker: isCoworker(talker), externalUserId: externalId(talker) },
    text: msg.text(),
    kind,
    mentionsBot: true,
    sentAt: msg.date().getTime(),
  };
}

async function mapRoomMessage(msg: Message, room: Room, talker: Contact, kind: MessageKind, account: string): Promise<InboundMessage> {
  const [mentionsBot, text, topic] = await Promise.all([msg.mentionSelf(), kind === 'text' ? msg.mentionText() : Promise.resolve(msg.text()), room.topic()]);
  return {
    id: msg.id,
    account,
    conversation: { kind: 'room', roomId: room.id },
    talker: { id: talker.id, name: talker.name(), coworker: isCoworker(talker) },
    text,
    kind,
    mentionsBot,
    sentAt: msg.date().getTime(),
    room: { topic, ownerId: room.owner()?.id ?? null },
  };
}

/** WorkPro reports the WeCom external_userid (wm…) as the contact's handle (wechaty-notes §2). */
function externalId(c: Contact): string | undefined {
  const h = (c as unknown as { handle?: () => string | undefined }).handle?.call(c);
  return typeof h === 'string' && /^w[mo][A-Za-z0-9_-]{6,}$/.test(h) ? h : undefined;
}

function isCoworker(c: Contact): boolean {
  // ContactInterface.coworker() exists on WeCom puppets; personal-WeChat payloads lack it.
  const f = (c as unknown as { coworker?: () => boolean }).coworker;
  return typeof f === 'function' ? !!f.call(c) : false;
}

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBotRuntime, type BotRuntime, type LoginState } from '../bot/bot-runtime.js';
import { createPuppet } from '../bot/puppet.js';
import { OutboxDrainer } from '../domain/outbox/outbox-drainer.js';
import { AppError } from '../shared/errors.js';
import { imageHasQr } from '../integrations/qr/qr-detect.js';
import { cacheKeys } from '../shared/cache-keys.js';
import { SqlCustomerOptOutRepo, SqlOutboxRepo } from '../persistence/outbox.repo.js';
import type { BotGraph } from './compose.js';

const LOCK_TTL_MS = 30_000;
const HEARTBEAT_EVERY_MS = 15_000;

export interface BotRole {
  runtime: BotRuntime;
  drainer: OutboxDrainer;
  close(): Promise<void>;
}

/**
 * The bot of one account inside a process built by createBotGraph (or createSiyu): holds the account's lock (a
 * second process refuses to start and says why), runs Wechaty with the adapter, drains the
 * outbox at the configured pace, exports login state and outbox depth, and alerts admins.
 */
export async function startBotRole(siyu: BotGraph, o: { puppet?: unknown; drainPollMs?: number; lockWaitMs?: number } = {}): Promise<BotRole> {
  const { config, cache, clock, metrics } = siyu;
  const account = config.bot.account;
  const log = siyu.log.child({ module: 'bot', account });
  const keys = cacheKeys(config.cache.prefix);
  // A bot restarted after a crash finds its own stale lock: it waits for it to expire. A second
  // live process keeps renewing, so the wait ends in the refusal below.
  const waitUntil = Date.now() + (o.lockWaitMs ?? LOCK_TTL_MS + 5_000);
  let lock = await cache.acquireLock(keys.botLock(account), LOCK_TTL_MS);
  while (!lock && Date.now() < waitUntil) {
    log.warn({ lock: keys.botLock(account) }, 'bot account lock held; waiting for it to expire');
    await sleep(2_000);
    lock = await cache.acquireLock(keys.botLock(account), LOCK_TTL_MS);
  }
  if (!lock) {
    throw new AppError('BOT.ALREADY_RUNNING', `another bot process already runs account "${account}" (lock ${keys.botLock(account)}); run exactly one bot per account`);
  }
  const owner = `bot-${process.pid}-${randomBytes(4).toString('hex')}`;
  let runtime: BotRuntime | undefined;
  let drainer: OutboxDrainer | undefined;
  const timers: NodeJS.Timeout[] = [];
  let phones: BotGraph['sandboxPhones'];
  const report = (p: Promise<void>) => p.catch((e: Error) => log.warn({ err: e.message }, 'bot status not reported'));
  const alert = async (text: string) => {
    if (!config.bot.adminUserIds.length) return;
    await siyu.appMessages.sendAppText({ toUsers: config.bot.adminUserIds, text }).catch((e: Error) => log.warn({ err: e.message }, 'admin alert not sent'));
  };
  try {
    const made = o.puppet ? undefined : await createPuppet(config);
    const puppet = o.puppet ?? made!.puppet;
    const { conversations, groups } = siyu.bot;
    runtime = await startBotRuntime({
      account,
      puppet,
      dataDir: o.puppet ? undefined : config.bot.dataDir,
      handlers: {
        direct: (m) => conversations.handleDirect(m),
        group: (m) => groups.handleGroupMessage(m),
        repSpoke: (to, text, at) => conversations.onRepSpoke(to, text, at),
        joined: (roomId, members, at) => groups.onJoin(roomId, members, at),
        left: (roomId, members, at) => groups.onLeave(roomId, members, at),
      },
      detectQr: imageHasQr,
      firstSeen: (id) => cache.setIfAbsent(keys.botMessageSeen(account, id), '1', 24 * 3600_000),
      forget: (id) => cache.del(keys.botMessageSeen(account, id)),
      maxAgeSec: config.bot.maxMessageAgeSec,
      log,
      now: () => clock.now(),
      startDrain: (port) => {
        drainer = new OutboxDrainer({
          account,
          repo: new SqlOutboxRepo(siyu.db),
          optOut: new SqlCustomerOptOutRepo(siyu.db),
          port,
          clock,
          sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
          random: Math.random,
          log,
          ratePerMinute: config.bot.ratePerMinute,
          jitterMs: config.bot.jitterMs,
          maxAttempts: config.bot.maxAttempts,
          backoffBaseMs: config.bot.backoffBaseMs,
          backoffMaxMs: config.bot.backoffMaxMs,
          breakerMs: config.bot.breakerMs,
          leaseMs: config.bot.leaseMs,
          owner,
          pollMs: o.drainPollMs,
          onResult: (outcome) => metrics.outboxResults.inc({ outcome }),
        });
        drainer.start();
        return drainer;
      },
      tick: { everyMs: 1000, run: () => groups.flushWelcomes(), final: () => groups.flushWelcomes(true) },
      onLoginState: (s: LoginState) => {
        metrics.botLoggedIn.set({ account }, s === 'logged_in' ? 1 : 0);
        metrics.botLoginEvents.inc({ account, state: s });
        void report(siyu.monitoring.botStatus.report(account, s, clock.now()));
      },
      onInbound: (outcome) => metrics.botInbound.inc({ outcome }),
      alert,
    });
    made?.afterStart?.();
    // Sandbox: /sandbox/chat and /sandbox/groups/… play customers' phones on this puppet.
    if (made?.sandbox) siyu.sandboxPhones = phones = made.sandbox;
    timers.push(
      setInterval(() => {
        void lock.extend(LOCK_TTL_MS).then((held) => {
          // Someone else holds the account now (this process stalled past the TTL): stop sending.
          if (!held) {
            log.error('bot lock lost; stopping the outbox drain');
            void drainer?.stop();
          }
        });
      }, LOCK_TTL_MS / 3),
      // The heartbeat tells the alert evaluator (another process, maybe) this bot still runs.
      setInterval(() => void report(siyu.monitoring.botStatus.heartbeat(account, clock.now())), HEARTBEAT_EVERY_MS),
    );
    for (const t of timers) t.unref();
  } catch (e) {
    await runtime?.stop().catch(() => undefined);
    await lock.release();
    throw e;
  }
  const rt = runtime;
  return {
    runtime: rt,
    drainer: drainer!,
    close: async () => {
      for (const t of timers) clearInterval(t);
      if (phones && siyu.sandboxPhones === phones) siyu.sandboxPhones = undefined;
      await rt.stop();
      await lock.release();
    },
  };
}

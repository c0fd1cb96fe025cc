import { join, resolve } from 'node:path';
import { log as wechatyLog, types, WechatyBuilder, type Wechaty } from 'wechaty';
import type { OutboundPort } from '../domain/outbox/outbox.types.js';
import type { Logger } from '../shared/logger.js';
import { EchoMemory } from './echo-memory.js';
import { WechatySender } from './sender.js';
import { attachWechaty, type AdapterDeps, type BotHandlers } from './wechaty-adapter.js';

export type LoginState = 'starting' | 'waiting_scan' | 'logged_in' | 'logged_out';

export interface BotRuntimeDeps {
  account: string;
  /** A Wechaty puppet instance (mock in sandbox and tests, puppet-service in production). */
  puppet: unknown;
  /** Where the memory card (login session) lives; undefined keeps nothing on disk. */
  dataDir?: string;
  handlers: BotHandlers;
  detectQr?: AdapterDeps['detectQr'];
  firstSeen: AdapterDeps['firstSeen'];
  forget: AdapterDeps['forget'];
  maxAgeSec: number;
  log: Logger;
  now(): number;
  /** Starts draining the outbox through the given port; returns how to stop it. */
  startDrain(port: OutboundPort): { stop(): Promise<void> };
  /** Runs often (group welcome batches); errors are logged. */
  tick?: { everyMs: number; run(): Promise<unknown>; final?(): Promise<unknown> };
  onLoginState?(s: LoginState): void;
  onInbound?: AdapterDeps['onInbound'];
  /** Tells admins (WeCom app message); must not throw. */
  alert(text: string): Promise<void>;
}

export interface BotRuntime {
  bot: Wechaty;
  sender: WechatySender;
  state(): LoginState;
  stop(): Promise<void>;
}

/**
 * Starts the account's Wechaty with the adapter attached, reports login state (and alerts
 * admins when the account needs a scan or is logged out), and drains the outbox while it runs.
 * Wechaty's own logs are kept to warnings: its INFO lines go to stdout and carry contact names.
 */
export async function startBotRuntime(d: BotRuntimeDeps): Promise<BotRuntime> {
  wechatyLog.level(d.log.level === 'silent' ? 'silent' : 'warn');
  const bot = WechatyBuilder.build({
    ...(d.dataDir ? { name: join(resolve(d.dataDir), `siyu-${d.account}`) } : {}),
    puppet: d.puppet as never,
  });
  let state: LoginState = 'starting';
  const setState = (s: LoginState) => {
    state = s;
    d.onLoginState?.(s);
  };
  const log = d.log;
  // Without an error listener Wechaty's internal failures become unhandled rejections.
  bot.on('error', (e) => log.warn({ err: (e as Error).message }, 'wechaty error'));
  bot.on('scan', (qrcode, status) => {
    if (status !== types.ScanStatus.Waiting && status !== types.ScanStatus.Timeout) return;
    setState('waiting_scan');
    log.warn({ status: types.ScanStatus[status] }, 'bot account waits for a login scan');
    void d.alert(`【思域】机器人账号 ${d.account} 需要扫码登录（在手机上确认）：${qrcode}`);
  });
  let wasLoggedOut = false;
  let stopping = false;
  bot.on('login', () => {
    setState('logged_in');
    log.info('bot account logged in');
    if (wasLoggedOut) void d.alert(`【思域】机器人账号 ${d.account} 已重新登录`);
  });
  bot.on('logout', (_u, reason) => {
    setState('logged_out');
    wasLoggedOut = true;
    if (stopping) return log.info('bot account logged out for shutdown');
    log.warn({ reason }, 'bot account logged out');
    void d.alert(`【思域】机器人账号 ${d.account} 已退出登录，自动消息暂停发送，请尽快重新登录`);
  });

  const echo = new EchoMemory(d.now);
  const adapter = attachWechaty(bot, {
    account: d.account,
    handlers: d.handlers,
    firstSeen: d.firstSeen,
    forget: d.forget,
    echo,
    maxAgeSec: d.maxAgeSec,
    now: d.now,
    log,
    detectQr: d.detectQr,
    onInbound: d.onInbound,
  });
  await bot.start();
  const sender = new WechatySender(bot, echo);
  const drain = d.startDrain(sender);
  let timer: NodeJS.Timeout | undefined;
  if (d.tick) {
    const tick = d.tick;
    timer = setInterval(() => void tick.run().catch((e: Error) => log.warn({ err: e.message }, 'bot tick failed')), tick.everyMs);
    timer.unref();
  }
  return {
    bot,
    sender,
    state: () => state,
    stop: async () => {
      stopping = true;
      if (timer) clearInterval(timer);
      adapter.detach();
      await adapter.idle(5_000);
      // What is still batching (group welcomes) goes to the outbox; the next start sends it.
      await d.tick?.final?.().catch((e: Error) => log.warn({ err: e.message }, 'bot final tick failed'));
      await drain.stop();
      await bot.stop();
    },
  };
}

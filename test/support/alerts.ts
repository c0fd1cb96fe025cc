import type { ExecutionContext } from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { ManualClock } from '../../src/shared/clock.js';
import { SqlOutboxRepo } from '../../src/persistence/outbox.repo.js';
import { startApp } from './app.js';

export const ADMIN = 'rep003';
export const MINUTE = 60_000;

/** The app on a test clock, with one admin to tell; `alerts` overrides the alert config. */
export async function startAlertApp(t: ExecutionContext, alerts: Record<string, unknown> = {}, clock = new ManualClock()) {
  const siyu = await startApp(t, { overrides: { bot: { adminUserIds: [ADMIN] }, alerts }, options: { clock } });
  return { siyu, clock, notices: () => noticesOf(siyu) };
}

/** The texts of the app messages the emulator delivered to the admin, in order. */
export function noticesOf(siyu: Siyu): string[] {
  return siyu.emulator!.appMessages.filter((m) => m.userid === ADMIN).map((m) => (m.payload as { content: string }).content);
}

/** `n` outbox rows of the bot account, due at `dueAt`, that nobody sends (no bot runs). */
export async function queueOutbox(siyu: Siyu, n: number, dueAt: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    account: siyu.config.bot.account,
    dedupeKey: `alert-test:${dueAt}:${i}`,
    action: 'say' as const,
    to: { kind: 'dm' as const, contactId: `c${i}` },
    text: '你好',
    mentionIds: [],
    customerId: null,
    purpose: 'reply' as const,
    dueAt,
    createdAt: dueAt,
  }));
  await new SqlOutboxRepo(siyu.db).insertMessages(rows);
}

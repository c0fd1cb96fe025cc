import type { Clock } from '../../shared/clock.js';
import { mayReceive, outboxClass } from '../customer/messaging-policy.js';
import { badRequest } from '../../shared/errors.js';
import type { NewOutboxMessage, OptOutLookup, OutboxRepo, OutboxStats } from './outbox.ports.js';
import type { OutboxMessage, OutboxPurpose, OutboxRequest } from './outbox.types.js';

/** The longest text one bot message may carry. */
export const MAX_TEXT = 2000;
const PURPOSES: readonly OutboxPurpose[] = ['reply', 'marketing', 'system', 'welcome', 'warn'];

export interface EnqueueResult {
  /** Ids of the queued requests, in request order (a deduplicated request gets the existing row's id). */
  ids: number[];
  /** Requests not queued, by their index in the call. */
  skipped: Array<{ index: number; customerId: number; reason: 'opted_out' }>;
}

/** The first field that makes a request unacceptable, if any. */
function problem(r: OutboxRequest): string | undefined {
  const action = r.action ?? 'say';
  const mentions = r.mentionIds ?? [];
  if (typeof r.account !== 'string' || !r.account.trim() || r.account.length > 64) return 'account';
  if (action !== 'say' && action !== 'remove') return 'action';
  if (!PURPOSES.includes(r.purpose)) return 'purpose';
  const target = r.to?.kind === 'room' ? r.to.roomId : r.to?.kind === 'dm' ? r.to.contactId : undefined;
  if (typeof target !== 'string' || !target || target.length > 128) return 'to';
  if (typeof r.text !== 'string' || r.text.length > MAX_TEXT) return 'text';
  if (!Array.isArray(mentions) || mentions.some((m) => typeof m !== 'string' || !m)) return 'mentionIds';
  if (action === 'say') {
    if (!r.text.trim()) return 'text';
    // Only a room has members to mention.
    if (mentions.length && r.to.kind !== 'room') return 'mentionIds';
  } else if (r.to.kind !== 'room' || mentions.length !== 1) return 'mentionIds';
  if (r.dedupeKey !== undefined && (typeof r.dedupeKey !== 'string' || !r.dedupeKey || r.dedupeKey.length > 160)) return 'dedupeKey';
  if (r.dueAt !== undefined && !Number.isFinite(r.dueAt)) return 'dueAt';
  if (r.customerId != null && !Number.isInteger(r.customerId)) return 'customerId';
  return undefined;
}

export interface OutboxDeps {
  repo: OutboxRepo;
  optOut: OptOutLookup;
  clock: Clock;
}

/**
 * Validates and stores requests: all of them or none (OUTBOX.INVALID, 400, lists each bad
 * request by index and field). Marketing for an opted-out customer is not stored but reported
 * as skipped. Works on whatever repo it is handed, so a caller's transaction can include it.
 */
export async function enqueueWith(d: OutboxDeps, reqs: OutboxRequest | OutboxRequest[]): Promise<EnqueueResult> {
  const list = Array.isArray(reqs) ? reqs : [reqs];
  const bad = list.flatMap((r, index) => {
    const field = problem(r);
    return field ? [{ index, field }] : [];
  });
  if (bad.length) throw badRequest('OUTBOX.INVALID', '消息内容不合法，请检查账号、接收方和文字', bad);
  // Only messages an opted-out person would not receive need the lookup (messaging-policy.ts decides).
  const restricted = list.flatMap((r) => (r.customerId != null && !mayReceive({ optedOut: true }, outboxClass(r.purpose)) ? [r.customerId] : []));
  const optedOut = restricted.length ? await d.optOut.optedOut(restricted) : new Set<number>();
  const now = d.clock.now();
  const skipped: EnqueueResult['skipped'] = [];
  const rows: NewOutboxMessage[] = [];
  list.forEach((r, index) => {
    if (r.customerId != null && !mayReceive({ optedOut: optedOut.has(r.customerId) }, outboxClass(r.purpose))) {
      skipped.push({ index, customerId: r.customerId, reason: 'opted_out' });
      return;
    }
    rows.push({
      account: r.account,
      dedupeKey: r.dedupeKey ?? null,
      action: r.action ?? 'say',
      to: r.to,
      text: r.text,
      mentionIds: r.mentionIds ?? [],
      customerId: r.customerId ?? null,
      purpose: r.purpose,
      dueAt: r.dueAt ?? now,
      createdAt: now,
    });
  });
  const ids = rows.length ? await d.repo.insertMessages(rows) : [];
  return { ids, skipped };
}

/** The outbox as jobs and HTTP see it: they enqueue; only the bot process sends (OutboxDrainer). */
export class OutboxService {
  constructor(private readonly d: OutboxDeps) {}

  /** See enqueueWith; pass `repo` (and `optOut`) bound to a transaction to enqueue inside it. */
  enqueue(reqs: OutboxRequest | OutboxRequest[], within?: { repo: OutboxRepo; optOut?: OptOutLookup }): Promise<EnqueueResult> {
    return enqueueWith({ ...this.d, ...within, optOut: within?.optOut ?? this.d.optOut }, reqs);
  }

  stats(account: string): Promise<OutboxStats> {
    return this.d.repo.countByStatus(account);
  }

  listForCustomer(customerId: number, limit = 50): Promise<OutboxMessage[]> {
    return this.d.repo.listByCustomer(customerId, Math.min(Math.max(1, limit), 200));
  }
}

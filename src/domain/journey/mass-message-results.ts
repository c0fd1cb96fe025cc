import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { CustomerFacts, JourneyRepo, MassMessageResults } from './journey.ports.js';
import type { TouchDelivery } from './journey.types.js';

const DAY_MS = 86_400_000;
/** WeCom's send_result status → what it means for the touch (wecom-protocol.md §4.11). */
const OUTCOME: Record<number, { delivery: TouchDelivery; reason: string | null }> = {
  0: { delivery: 'awaiting', reason: null },
  1: { delivery: 'delivered', reason: null },
  2: { delivery: 'failed', reason: 'not_friend' },
  3: { delivery: 'failed', reason: 'mass_cap' },
};

export interface MassMessageResultsDeps {
  repo: JourneyRepo;
  results: MassMessageResults;
  facts: Pick<CustomerFacts, 'findMany'>;
  clock: Clock;
  log: Logger;
  /** One touch is asked about at most this often (default 10 minutes). */
  recheckMs?: number;
  /** Touches sent longer ago than this are no longer asked about and stay 'awaiting' (default 30 days). */
  maxAgeMs?: number;
  /** Touches per run (default 200), worked through a few at a time: WeCom rate-limits. */
  batch?: number;
  concurrency?: number;
}

export interface MassMessageResultCounts {
  checked: number;
  delivered: number;
  failed: number;
  awaiting: number;
  errors: number;
}

/**
 * Reads back what became of template touches (add_msg_template). Nothing reaches the customer
 * until the rep confirms the task in their WeCom client, and WeCom sends no callback for it, so
 * each touch still 'awaiting' is polled: get_groupmsg_task says whether its sender confirmed,
 * get_groupmsg_send_result then says whether this customer got it (delivered) or not (failed:
 * no longer a friend, or over WeCom's receive cap). A touch is asked about at most every
 * `recheckMs`; a transient WeCom failure leaves it for the next run, a permanent one (e.g. an
 * unknown msgid) marks it failed with the errcode.
 */
export async function pollMassMessageResults(d: MassMessageResultsDeps): Promise<MassMessageResultCounts> {
  const now = d.clock.now();
  const counts: MassMessageResultCounts = { checked: 0, delivered: 0, failed: 0, awaiting: 0, errors: 0 };
  const due = await d.repo.listAwaitingTemplates({ sentSince: now - (d.maxAgeMs ?? 30 * DAY_MS), checkedBefore: now - (d.recheckMs ?? 10 * 60_000), limit: d.batch ?? 200 });
  if (!due.length) return counts;
  const facts = await d.facts.findMany([...new Set(due.map((t) => t.customerId))]);

  const check = async (touch: (typeof due)[number]): Promise<void> => {
    const msgid = touch.ref.startsWith('msg:') ? touch.ref.slice(4) : '';
    const externalUserId = facts.get(touch.customerId)?.externalUserId ?? null;
    let outcome = { delivery: 'awaiting' as TouchDelivery, reason: null as string | null, at: null as number | null };
    try {
      if (!msgid) throw new AppError('JOURNEY.TEMPLATE_REF', 'template touch without a msgid');
      const confirmed = (await d.results.tasks(msgid)).filter((x) => x.sent);
      for (const sender of confirmed) {
        const rows = await d.results.sendResults(msgid, sender.userid);
        // One touch is one recipient; a customer whose external id is unknown here is the only row.
        const row = rows.find((r) => r.externalUserId === externalUserId) ?? (rows.length === 1 ? rows[0] : undefined);
        if (!row) continue;
        const o = OUTCOME[row.status] ?? OUTCOME[0]!;
        outcome = { ...o, at: o.delivery === 'delivered' ? (row.sendTime !== null ? row.sendTime * 1000 : now) : null };
        if (o.delivery !== 'awaiting') break;
      }
    } catch (e) {
      if (!(e instanceof AppError) || e.transient) {
        counts.errors++;
        d.log.warn({ touchId: touch.id, err: (e as Error).message }, 'template result not read; will ask again');
        await d.repo.setTemplateDelivery(touch.id, { delivery: 'awaiting', checkedAt: now });
        return;
      }
      const errcode = (e as { errcode?: number }).errcode;
      outcome = { delivery: 'failed', reason: errcode !== undefined ? `wecom_${errcode}` : e.code.slice(0, 64), at: null };
    }
    counts.checked++;
    counts[outcome.delivery]++;
    await d.repo.setTemplateDelivery(touch.id, { delivery: outcome.delivery, checkedAt: now, deliveredAt: outcome.at, reason: outcome.reason });
  };

  const queue = [...due];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await check(t);
  };
  await Promise.all(Array.from({ length: Math.min(d.concurrency ?? 4, queue.length) }, worker));
  return counts;
}

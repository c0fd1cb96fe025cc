import { createHash } from 'node:crypto';
import type { JourneyRepo, MassMessageResults } from './journey.ports.js';
import type { TemplateAttempt } from './journey.types.js';

/** How the text of a template touch is remembered across a crash (it holds the customer's name). */
export const textSha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * How far WeCom's create_time may sit before our attempt time: its clock against ours, and
 * seconds truncation. Servers keep NTP time; this is slack, not a measured bound.
 */
const CLOCK_SLACK_MS = 60_000;
/** get_groupmsg_list_v2 refuses spans over a month; a shorter one is always accepted. */
const MAX_SPAN_MS = 28 * 86_400_000;

export interface FoundTemplate {
  msgid: string;
  createdAt: number;
  /** Further messages that matched as well (a duplicate already happened); normally 0. */
  alsoMatched: number;
}

/**
 * Looks in WeCom for the mass-message task an interrupted add_msg_template call may have
 * created. add_msg_template takes no key of ours and WeCom stores nothing we choose besides the
 * text, so a message counts as this attempt's when all of these hold:
 * - created through the API (filter_type 0) from just before the attempt until now;
 * - its text is byte-for-byte the text we sent (compared by SHA-256);
 * - its task list names our sender, and that sender's send list names this customer;
 * - no touch already holds its msgid.
 * The text carries the customer's name and, for coupon steps, the touch's own coupon code: that
 * is what is unique to the touch in what the customer sees. No hidden marker is added to it —
 * it would be a change to a customer-facing message made only for our bookkeeping, and nothing
 * documented says WeCom keeps invisible characters as sent.
 *
 * What stays uncertain: another touch with the very same text for the same customer through the
 * same rep, interrupted in the same window and not yet recorded, could be taken for this one;
 * WeCom documents no delay between creating a task and listing it, so a task listed only after
 * the settle window is missed and the touch is sent again; and a text WeCom stores altered
 * (normalised whitespace, say) does not match, with the same result.
 */
export async function findTemplateTask(
  d: { results: Pick<MassMessageResults, 'listCreated' | 'tasks' | 'sendResults'>; repo: Pick<JourneyRepo, 'listTakenRefs'> },
  q: { attempt: TemplateAttempt; externalUserId: string; now: number },
): Promise<FoundTemplate | undefined> {
  const from = q.attempt.at - CLOCK_SLACK_MS;
  const listed = await d.results.listCreated({ from, to: Math.min(q.now, from + MAX_SPAN_MS) });
  const sameText = listed.filter((m) => textSha(m.text) === q.attempt.textSha);
  if (!sameText.length) return undefined;
  const taken = await d.repo.listTakenRefs(sameText.map((m) => `msg:${m.msgid}`));
  // Closest to the attempt first: that is the one the interrupted call made, if any.
  const candidates = sameText.filter((m) => !taken.has(`msg:${m.msgid}`)).sort((a, b) => Math.abs(a.createdAt - q.attempt.at) - Math.abs(b.createdAt - q.attempt.at));
  const matched: Array<{ msgid: string; createdAt: number }> = [];
  for (const m of candidates) {
    const tasks = await d.results.tasks(m.msgid);
    if (!tasks.some((x) => x.userid === q.attempt.sender)) continue;
    const rows = await d.results.sendResults(m.msgid, q.attempt.sender);
    if (rows.some((r) => r.externalUserId === q.externalUserId)) matched.push(m);
  }
  const [first] = matched;
  return first && { msgid: first.msgid, createdAt: first.createdAt, alsoMatched: matched.length - 1 };
}

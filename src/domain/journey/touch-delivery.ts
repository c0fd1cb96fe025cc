import { createHash } from 'node:crypto';
import { mayReceive } from '../customer/messaging-policy.js';
import { DAY_MS, shanghaiDayStart } from '../../shared/shanghai-time.js';
import type { CustomerFact } from './journey.ports.js';
import type { Journey, JourneyRun, SkipReason, TemplateAttempt, Touch, TouchChannel } from './journey.types.js';
import type { EngineDeps, TickCounts } from './engine-deps.js';
import { findTemplateTask, textSha } from './mass-message-reconcile.js';
import { renderText } from '../template/template-engine.js';
import { recordJourneyEvent, type JourneyEvent } from './journey-timeline.js';
import { inQuietHours, nextSendable, parseHm, retryForRoute, withinCaps, type QuietHours } from './policy.js';

const DISPATCH_CONCURRENCY = 32;

interface BatchFacts {
  facts: Map<number, CustomerFact>;
  contacts: Map<number, string>;
  caps: Map<number, { today: number; week: number }>;
  templates: Map<number, number>;
}

/** The offer a touch's coupon is claimed under: one per touch (journey, customer, trigger, step), within coupon_claims' 64 characters. */
const couponOfferKey = (t: Touch) => `journey:${t.journeyId ?? 0}:${createHash('sha256').update(t.idemKey).digest('base64url').slice(0, 24)}`;

/** A gate that stopped the touch: waits for the skip or deferral to be written. */
const stopped = async (ending: Promise<void>): Promise<false> => (await ending, false);

interface Outcomes {
  skip(reason: SkipReason): Promise<void>;
  defer(dueAt: number, why: string): Promise<void>;
  sent(channel: TouchChannel, ref: string, sentAt?: number, shown?: { text?: string; title?: string; coupon?: string }): Promise<void>;
}

/** The engine's reads of journeys and goals, shared with the half that advances runs. */
export interface DeliveryDeps extends EngineDeps {
  journey(id: number): Promise<Journey | undefined>;
  goalReached(j: Journey, run: JourneyRun, now: number): Promise<boolean>;
}

/**
 * The second half of the journey engine: claims due touches and delivers each along the ladder
 * bot 1:1 → WeCom mass message for the owner rep → follow-up task (journey-engine.ts says what
 * a takeover guarantees on each rung).
 */
export class TouchDelivery {
  private readonly storeQuiet = new Map<number, { at: number; q: QuietHours }>();
  private storeVersion: number | undefined;

  constructor(private readonly d: DeliveryDeps) {}

  /** Drops the copies of stores' quiet hours when a store's settings changed anywhere. */
  private async syncStoreSettings(): Promise<void> {
    const { d } = this;
    if (!d.stores?.version) return;
    try {
      const v = await d.stores.version();
      if (v !== this.storeVersion) this.storeQuiet.clear();
      this.storeVersion = v;
    } catch (e) {
      // The copies are still at most a minute old; the touches need not wait for the cache.
      d.log.warn({ err: (e as Error).message }, 'store settings version not read');
    }
  }

  private async quietHoursOf(storeId: number | null): Promise<QuietHours> {
    const { d } = this;
    if (storeId === null || !d.stores) return d.config.quietHours;
    const hit = this.storeQuiet.get(storeId);
    if (hit && hit.at > d.clock.now() - 60_000) return hit.q;
    const own = await d.stores.quietHours(storeId);
    const q = own ? { fromMin: parseHm(own.from), toMin: parseHm(own.to) } : d.config.quietHours;
    this.storeQuiet.set(storeId, { at: d.clock.now(), q });
    return q;
  }

  async dispatchDue(counts: TickCounts): Promise<number> {
    const { d } = this;
    const now = d.clock.now();
    const touches = await d.repo.claimDueTouches(d.owner, now, now + d.config.leaseMs, d.config.batch);
    // Customers in parallel (WeCom calls overlap); one customer's touches in order, so the
    // frequency caps see the touch sent just before.
    const byCustomer = new Map<number, Touch[]>();
    for (const t of touches) byCustomer.set(t.customerId, [...(byCustomer.get(t.customerId) ?? []), t]);
    if (!touches.length) return 0;
    await d.texts.maybeRefresh();
    await this.syncStoreSettings();
    // What every touch needs to know, read for the whole batch at once.
    const ids = [...byCustomer.keys()];
    const [facts, contacts, caps, templates] = await Promise.all([
      d.facts.findMany(ids),
      d.config.botEnabled === false ? new Map<number, string>() : d.actions.botContactsOf(ids),
      d.repo.countMarketingSent(ids, { today: shanghaiDayStart(now), week: now - 7 * DAY_MS }),
      d.repo.countTemplateSent(ids, shanghaiMonthStart(now)),
    ]);
    const batch: BatchFacts = { facts, contacts, caps, templates };
    const queue = [...byCustomer.values()];
    const worker = async () => {
      for (let list = queue.shift(); list; list = queue.shift()) for (const t of list) await this.deliverSafely(t, now, counts, batch);
    };
    await Promise.all(Array.from({ length: Math.min(DISPATCH_CONCURRENCY, queue.length) }, worker));
    return touches.length;
  }

  private async deliverSafely(t: Touch, now: number, counts: TickCounts, batch: BatchFacts): Promise<void> {
    const { d } = this;
    try {
      await this.deliver(t, now, counts, batch);
    } catch (e) {
      const attempts = t.attempts + 1;
      const failed = attempts >= d.config.maxAttempts;
      const code = ((e as { code?: string }).code ?? (e as Error).name ?? 'ERROR').slice(0, 64);
      await d.repo.finishTouch(t.id, d.owner, failed ? { status: 'failed', attempts, lastError: code } : { status: 'pending', attempts, lastError: code, dueAt: now + Math.min(3600_000, 30_000 * 2 ** (attempts - 1)) });
      if (failed) {
        counts.failed++;
        d.onTouch?.('failed', code);
      }
      d.log.warn({ touchId: t.id, err: code, attempts }, failed ? 'touch failed for good' : 'touch delivery failed; will retry');
    }
  }

  /**
   * One touch: settle an interrupted mass-message call first, then the gates (customer gone,
   * journey disabled, goal reached, opt-out, quiet hours, caps), then the delivery ladder.
   */
  private async deliver(t: Touch, now: number, counts: TickCounts, batch: BatchFacts): Promise<void> {
    const out = this.outcomes(t, now, counts, batch);
    if (t.templateAttempt && !(await this.settleInterrupted(t, t.templateAttempt, now, batch, out))) return;
    const customer = batch.facts.get(t.customerId);
    if (!customer || customer.mergedInto !== null || customer.erased) return out.skip('customer_gone');
    if (!(await this.passesGates(t, customer, now, batch, out))) return;
    await this.route(t, customer, now, batch, out);
  }

  /** The ways a touch ends this tick: sent on a rung, skipped for a reason, or due again later. */
  private outcomes(t: Touch, now: number, counts: TickCounts, batch: BatchFacts): Outcomes {
    const { d } = this;
    const capped = t.marketing && t.kind !== 'task';
    const sentBefore = batch.caps.get(t.customerId) ?? { today: 0, week: 0 };
    return {
      skip: async (reason) => {
        await d.repo.finishTouch(t.id, d.owner, { status: 'skipped', skipReason: reason });
        counts.skipped++;
        d.onTouch?.('skipped', reason);
      },
      defer: async (dueAt, why) => {
        await d.repo.finishTouch(t.id, d.owner, { status: 'pending', dueAt, deferrals: t.deferrals + 1 });
        counts.deferred++;
        d.onTouch?.('deferred', why);
      },
      sent: async (channel, ref, sentAt = now, shown = {}) => {
        const mine = await d.repo.finishTouch(t.id, d.owner, { status: 'sent', channel, ref, sentAt, delivery: channel === 'template' ? 'awaiting' : null });
        // Only the holder of the lease records it: a takeover does not write the touch twice.
        if (mine) await this.record({ kind: 'touch_sent', touch: t, channel, ref, at: sentAt, ...shown });
        counts.sent++;
        d.onTouch?.('sent', channel);
        // The next touch of this customer in the batch sees this one against the caps.
        if (capped) batch.caps.set(t.customerId, { today: sentBefore.today + 1, week: sentBefore.week + 1 });
        if (channel === 'template') batch.templates.set(t.customerId, (batch.templates.get(t.customerId) ?? 0) + 1);
      },
    };
  }

  /**
   * An earlier mass-message call of this touch ended without its msgid recorded: what WeCom made
   * of it is settled first, whatever has changed since (opt-out, quiet hours, a bot chat).
   * Returns true when the touch should go on to be delivered now.
   */
  private async settleInterrupted(t: Touch, a: TemplateAttempt, now: number, batch: BatchFacts, out: Outcomes): Promise<boolean> {
    const { d } = this;
    // Never before the lease the call was made under has run out: until then the process
    // that made it may still be waiting for its answer.
    const settledAt = a.at + Math.max(d.config.templateSettleMs, d.config.leaseMs);
    if (now < settledAt) {
      await d.repo.finishTouch(t.id, d.owner, { status: 'pending', dueAt: settledAt });
      return false;
    }
    const externalUserId = batch.facts.get(t.customerId)?.externalUserId;
    const found = externalUserId ? await findTemplateTask({ results: d.templates, repo: d.repo }, { attempt: a, externalUserId, now }) : undefined;
    if (found) {
      if (found.alsoMatched) d.log.warn({ touchId: t.id, msgid: found.msgid, alsoMatched: found.alsoMatched }, 'more than one WeCom task matches an interrupted template call');
      d.log.info({ touchId: t.id, msgid: found.msgid }, 'interrupted template call found in WeCom; its msgid adopted');
      await out.sent('template', `msg:${found.msgid}`, a.at);
      return false;
    }
    d.log.info({ touchId: t.id }, 'interrupted template call left no task in WeCom; delivering again');
    return d.repo.markTemplateAttempt(t.id, d.owner, null);
  }

  /** Whether the touch may go out now; when not, it has been skipped or deferred. */
  private async passesGates(t: Touch, customer: CustomerFact, now: number, batch: BatchFacts, out: Outcomes): Promise<boolean> {
    const { d } = this;
    const journey = t.journeyId === null ? undefined : await d.journey(t.journeyId);
    // Disabling a journey stops what it has queued, not only what it would queue next.
    if (journey && !journey.enabled) return stopped(out.skip('journey_disabled'));
    if (t.runId !== null && journey?.goal) {
      // The goal may be reached after the run created this touch (it can even have completed).
      const run = await d.repo.findRun(t.runId);
      if (run && (run.status === 'goal_reached' || (await d.goalReached(journey, run, now)))) {
        if (run.status !== 'goal_reached') await d.repo.markGoalReached(run.id, now);
        return stopped(out.skip('goal_reached'));
      }
    }
    // Tasks are for the rep; every message goes by the one opt-out rule (a non-marketing touch is an order notice).
    if (t.kind !== 'task' && !mayReceive(customer, t.marketing ? 'marketing' : 'order_notice')) return stopped(out.skip('opted_out'));
    const quiet = await this.quietHoursOf(t.storeId ?? customer.storeId);
    if (t.kind !== 'task' && inQuietHours(now, quiet)) return stopped(out.defer(nextSendable(now, quiet), 'quiet_hours'));
    const sentBefore = batch.caps.get(t.customerId) ?? { today: 0, week: 0 };
    if (t.marketing && t.kind !== 'task' && !withinCaps(sentBefore.today, sentBefore.week, d.config.caps)) return stopped(out.skip('frequency_cap'));
    return true;
  }

  /** The ladder: bot 1:1 when the customer has a bot chat, else a mass message by the owner rep, else a task for the rep. */
  private async route(t: Touch, customer: CustomerFact, now: number, batch: BatchFacts, out: Outcomes): Promise<void> {
    const { d } = this;
    const owner = customer.ownerUserId ?? d.config.defaultRepUserId ?? null;
    // No rep and no bot chat yet: the add that gives them a rep is usually seconds away.
    const noRoute = () => {
      const retryAt = retryForRoute(now, t.createdAt);
      return retryAt === undefined ? out.skip('no_route') : out.defer(retryAt, 'no_route');
    };
    if (!owner && t.kind === 'task') return noRoute();
    // Claimed as it goes out (a skipped touch gives no coupon); a retry finds the same claim.
    const coupon = t.payload.coupon ? await d.actions.claimCoupon({ customerId: t.customerId, offerKey: couponOfferKey(t), code: t.payload.coupon, at: now }) : undefined;
    if (t.kind === 'task') {
      const title = fill(t.payload.title ?? '', customer.name, coupon);
      const id = await d.actions.createTask({ customerId: t.customerId, storeId: t.storeId, staffUserId: owner!, title, dueAt: t.dueAt, sourceKey: `touch:${t.idemKey}` });
      return out.sent('task', `task:${id}`, now, { title, coupon });
    }
    const text = t.kind === 'message' ? fill(t.payload.text ?? '', customer.name, coupon) : '';
    const contactId = batch.contacts.get(t.customerId);
    if (contactId) {
      if (t.kind === 'question') {
        await d.actions.ask(t.customerId, t.payload.question!, `touch:${t.idemKey}`, `touch:${t.idemKey}`);
      } else {
        await d.actions.enqueueBot({ account: d.config.account, to: { kind: 'dm', contactId }, text, customerId: t.customerId, purpose: t.marketing ? 'marketing' : 'system', dedupeKey: `touch:${t.idemKey}` });
      }
      return out.sent('bot', `outbox:touch:${t.idemKey}`, now, { text: text || undefined, coupon });
    }
    if (t.kind === 'message' && owner && customer.externalUserId) {
      const cap = d.config.massPerMonth || daysInMonth(now);
      if ((batch.templates.get(t.customerId) ?? 0) < cap) {
        const msgid = await this.sendTemplate(t, { at: d.clock.now(), sender: owner, textSha: textSha(text) }, customer.externalUserId, text);
        if (msgid === null) return;
        if (msgid) return out.sent('template', `msg:${msgid}`, now, { text, coupon });
      }
    }
    if (!owner) return noRoute();
    const storeId = t.storeId ?? customer.storeId;
    const title =
      t.kind === 'question'
        ? d.texts.render(t.payload.question === 'nps' ? 'task.journey.nps' : 'task.journey.birthday', storeId, { customer: customer.name })
        : d.texts.render('task.journey.message', storeId, { customer: customer.name, text });
    const id = await d.actions.createTask({ customerId: t.customerId, storeId: t.storeId, staffUserId: owner, title, dueAt: now, sourceKey: `touch:${t.idemKey}` });
    return out.sent('task', `task:${id}`, now, { title, coupon });
  }

  /** Journey events reach the timeline; a failed write is logged, never undoes what was delivered. */
  private async record(e: JourneyEvent): Promise<void> {
    try {
      await recordJourneyEvent(this.d.timeline, e);
    } catch (err) {
      this.d.log.warn({ event: e.kind, err: (err as Error).message }, 'journey event not written to the timeline');
    }
  }

  /**
   * add_msg_template with the attempt recorded first (under this instance's lease). Returns the
   * msgid; undefined when WeCom will not deliver to this customer (the attempt is void then);
   * null when the lease was lost before the call (another instance has the touch: nothing sent).
   */
  private async sendTemplate(t: Touch, attempt: TemplateAttempt, externalUserId: string, text: string): Promise<string | undefined | null> {
    const { d } = this;
    if (!(await d.repo.markTemplateAttempt(t.id, d.owner, attempt))) return null;
    let msgid: string | undefined;
    try {
      msgid = await d.actions.sendTemplate({ sender: attempt.sender, externalUserId, text });
    } catch (e) {
      // WeCom answered with an errcode: it created nothing, the attempt is void. Anything else
      // (timeout, dropped connection) leaves the attempt to be reconciled on the next try.
      if (typeof (e as { errcode?: unknown }).errcode === 'number') await d.repo.markTemplateAttempt(t.id, d.owner, null);
      throw e;
    }
    // Refused for this customer (fail_list): whatever WeCom made has no task for them.
    if (!msgid) await d.repo.markTemplateAttempt(t.id, d.owner, null);
    return msgid;
  }
}

/** A journey text with its variables (TEXT_CONTEXTS.journeyMessage / journeyTask) filled in. */
function fill(text: string, name: string, coupon?: string): string {
  return renderText(text, { name, coupon });
}

function shanghaiMonthStart(ms: number): number {
  const d = new Date(ms + 8 * 3600_000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - 8 * 3600_000;
}

function daysInMonth(ms: number): number {
  const d = new Date(ms + 8 * 3600_000);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}
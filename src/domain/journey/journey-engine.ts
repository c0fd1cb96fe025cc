import { createHash } from 'node:crypto';
import { journeyStepClass, mayReceive } from '../customer/messaging-policy.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { DAY_MS, shanghaiDayStart } from '../../shared/shanghai-time.js';
import type { CustomerFact, CustomerFacts, JourneyActions, JourneyRepo, JourneyTexts, StoreSettings, MassMessageResults } from './journey.ports.js';
import type { Condition, Journey, JourneyRun, SkipReason, Step, Target, TemplateAttempt, Touch, TouchChannel } from './journey.types.js';
import { journeyTagChange } from './tag-step.js';
import { findTemplateTask, textSha } from './mass-message-reconcile.js';
import { renderText } from '../template/template-engine.js';
import { recordJourneyEvent, type JourneyEvent, type TimelineSink } from './journey-timeline.js';
import { inQuietHours, nextSendable, parseHm, retryForRoute, waitUntil, withinCaps, type Caps, type QuietHours } from './policy.js';

export interface EngineConfig {
  account: string;
  quietHours: QuietHours;
  caps: Caps;
  /** WeCom mass messages a customer may receive per month (0: as many as the month has days). */
  massPerMonth: number;
  leaseMs: number;
  batch: number;
  maxAttempts: number;
  /** false: no bot account (BOT_ENABLED=false); the ladder starts at the WeCom mass message. */
  botEnabled?: boolean;
  /** Sender of template messages and owner of tasks for customers without an owner rep. */
  defaultRepUserId?: string;
  /**
   * How long after an interrupted template call the engine waits before looking for the task it
   * may have created (and sending again when there is none): WeCom may finish a request after
   * our side gave up on it, and documents no delay before a new task is listed.
   */
  templateSettleMs: number;
}

export interface TickCounts {
  runsAdvanced: number;
  touchesCreated: number;
  sent: number;
  skipped: number;
  deferred: number;
  failed: number;
}

/** A step loop guard: a branch back to an earlier step without a wait would spin forever. */
const MAX_STEPS_PER_ADVANCE = 50;
const DISPATCH_CONCURRENCY = 32;

interface BatchFacts {
  facts: Map<number, CustomerFact>;
  contacts: Map<number, string>;
  caps: Map<number, { today: number; week: number }>;
  templates: Map<number, number>;
}

const couponFor = (idemKey: string) => createHash('sha256').update(idemKey).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 10).toUpperCase();
/** The offer a touch's coupon is claimed under: one per touch (journey, customer, trigger, step), within coupon_claims' 64 characters. */
const couponOfferKey = (t: Touch) => `journey:${t.journeyId ?? 0}:${createHash('sha256').update(t.idemKey).digest('base64url').slice(0, 24)}`;

/**
 * Runs journeys: moves due runs through their steps (waits, branches, tags; steps that reach
 * the customer become touch rows keyed journey:customer:trigger:step) and delivers due touches
 * along the ladder bot 1:1 → WeCom mass-message task for the owner rep → follow-up task,
 * honouring opt-out, quiet hours and frequency caps. Both halves claim rows with a lease, so
 * several instances may tick at once and a process killed mid-run is taken over. What a
 * takeover guarantees differs per rung:
 * - bot: exactly once — the outbox row is keyed `touch:<idemKey>` and enqueueing is an upsert;
 * - task: exactly once — the task is keyed by source_key `touch:<idemKey>`;
 * - template (add_msg_template): at most once *as far as WeCom's records let us tell*. The call
 *   takes no key of ours, so the attempt (time, sender, text hash) is written under the lease
 *   before the call; a touch found with an attempt but no msgid is not sent again blindly: after
 *   `templateSettleMs` the engine looks for the task in WeCom (mass-message-reconcile.ts) and adopts
 *   its msgid, and only when none matches does it deliver again. The residual cases where the
 *   customer could still get two (or where a task is adopted that another touch made) are listed
 *   there.
 * A touch already recorded as sent is never delivered again by any rung.
 */
export class JourneyEngine {
  private readonly journeys = new Map<number, { j: Journey; at: number }>();

  constructor(
    private readonly d: {
      repo: JourneyRepo;
      facts: CustomerFacts;
      actions: JourneyActions;
      texts: JourneyTexts;
      clock: Clock;
      log: Logger;
      owner: string;
      config: EngineConfig;
      /** Stores' own quiet hours; the config's apply to stores without them. */
      stores?: StoreSettings;
      /** WeCom's mass-message records: where an interrupted template call is looked for. */
      templates: Pick<MassMessageResults, 'listCreated' | 'tasks' | 'sendResults'>;
      /** The customers' timelines: every touch sent, tag step and coupon is written there. */
      timeline: TimelineSink;
      /** Each touch's outcome (metrics): sent + channel, skipped + reason, deferred, failed + code. */
      onTouch?(outcome: 'sent' | 'skipped' | 'deferred' | 'failed', detail: string): void;
    },
  ) {}

  /** One pass of both halves; returns counts for logs and metrics. */
  async tick(): Promise<TickCounts> {
    const counts: TickCounts = { runsAdvanced: 0, touchesCreated: 0, sent: 0, skipped: 0, deferred: 0, failed: 0 };
    for (;;) {
      const n = await this.advanceDue(counts);
      if (n < this.d.config.batch) break;
    }
    for (;;) {
      const n = await this.dispatchDue(counts);
      if (n < this.d.config.batch) break;
    }
    return counts;
  }

  async advanceDue(counts: TickCounts): Promise<number> {
    const { d } = this;
    const now = d.clock.now();
    const runs = await d.repo.claimDueRuns(d.owner, now, now + d.config.leaseMs, d.config.batch);
    for (const run of runs) {
      try {
        await this.advance(run, now, counts);
      } catch (e) {
        d.log.warn({ runId: run.id, err: (e as Error).message }, 'journey run not advanced; retried on a later tick');
      }
    }
    return runs.length;
  }

  private async journey(id: number): Promise<Journey | undefined> {
    const hit = this.journeys.get(id);
    // Edits show up within a few seconds; a tick does not re-read the journey per run.
    if (hit && hit.at > this.d.clock.now() - 5_000) return hit.j;
    const j = await this.d.repo.findJourney(id);
    if (j) this.journeys.set(id, { j, at: this.d.clock.now() });
    return j;
  }

  private async advance(run: JourneyRun, now: number, counts: TickCounts): Promise<void> {
    const { d } = this;
    const j = await this.journey(run.journeyId);
    const end = (status: 'completed' | 'goal_reached' | 'exited' | 'failed', reason: string | null) =>
      d.repo.advanceRun(run.id, d.owner, run.stepIndex, { stepIndex: run.stepIndex, nextAt: now, status, exitReason: reason, endedAt: now });
    if (!j || !j.enabled) return void (await end('exited', j ? 'journey_disabled' : 'journey_missing'));
    if (await this.goalReached(j, run, now)) return void (await end('goal_reached', null));

    let i = run.stepIndex;
    let base = Math.min(run.nextAt, now);
    for (let guard = 0; ; guard++) {
      if (guard > MAX_STEPS_PER_ADVANCE) return void (await end('failed', 'step_loop'));
      const step = j.steps[i];
      if (!step) {
        if (await d.repo.advanceRun(run.id, d.owner, run.stepIndex, { stepIndex: i, nextAt: now, status: 'completed', endedAt: now })) counts.runsAdvanced++;
        return;
      }
      if (step.type === 'wait') {
        const until = waitUntil(base, { minutes: step.minutes, days: step.days, atMin: step.at ? parseHm(step.at) : undefined });
        if (until > now) {
          if (await d.repo.advanceRun(run.id, d.owner, run.stepIndex, { stepIndex: i + 1, nextAt: until })) counts.runsAdvanced++;
          return;
        }
        base = until;
        i++;
        continue;
      }
      if (step.type === 'branch') {
        const to: Target = (await this.holds(step.if, run)) ? step.then : step.else;
        if (to === 'end') {
          if (await d.repo.advanceRun(run.id, d.owner, run.stepIndex, { stepIndex: i, nextAt: now, status: 'completed', endedAt: now })) counts.runsAdvanced++;
          return;
        }
        i = to;
        continue;
      }
      if (step.type === 'tag') {
        await d.actions.changeTags(run.customerId, journeyTagChange(step), j.id);
        i++;
        continue;
      }
      await this.createTouch(j, run, i, step, base);
      counts.touchesCreated++;
      i++;
    }
  }

  private async createTouch(j: Journey, run: JourneyRun, i: number, step: Extract<Step, { type: 'send' | 'ask' | 'task' }>, dueAt: number): Promise<void> {
    const idemKey = `${j.id}:${run.customerId}:${run.triggerRef}:${i}`;
    const base = { idemKey, runId: run.id, journeyId: j.id, customerId: run.customerId, storeId: run.storeId, stepIndex: i, dueAt, createdAt: this.d.clock.now() };
    if (step.type === 'send') {
      await this.d.repo.insertTouch({ ...base, kind: 'message', payload: { text: step.text, ...(step.coupon ? { coupon: couponFor(idemKey) } : {}) }, marketing: journeyStepClass(j.trigger, step) === 'marketing' });
    } else if (step.type === 'ask') {
      await this.d.repo.insertTouch({ ...base, kind: 'question', payload: { question: step.question }, marketing: true });
    } else {
      await this.d.repo.insertTouch({ ...base, kind: 'task', payload: { title: step.title, ...(step.coupon ? { coupon: couponFor(idemKey) } : {}) }, marketing: false, dueAt: dueAt + (step.dueDays ?? 0) * DAY_MS });
    }
  }

  private async goalReached(j: Journey, run: JourneyRun, now: number): Promise<boolean> {
    if (!j.goal) return false;
    if (now > run.enteredAt + j.goal.windowDays * DAY_MS) return false;
    return this.d.facts.boughtSince(run.customerId, run.enteredAt);
  }

  private async holds(c: Condition, run: JourneyRun): Promise<boolean> {
    const f = this.d.facts;
    switch (c.kind) {
      case 'always':
        return true;
      case 'bought_again':
        return f.boughtSince(run.customerId, run.enteredAt);
      case 'replied':
        return f.repliedSince(run.customerId, run.enteredAt);
      case 'has_tag':
        return f.hasTag(run.customerId, c.tag);
      case 'segment_in':
        return c.segments.includes((await f.segmentOf(run.customerId)) ?? '');
    }
  }

  private readonly storeQuiet = new Map<number, { at: number; q: QuietHours }>();
  private storeVersion: number | undefined;

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

  private async deliver(t: Touch, now: number, counts: TickCounts, batch: BatchFacts): Promise<void> {
    const { d } = this;
    const skip = async (reason: SkipReason) => {
      await d.repo.finishTouch(t.id, d.owner, { status: 'skipped', skipReason: reason });
      counts.skipped++;
      d.onTouch?.('skipped', reason);
    };
    const customer = batch.facts.get(t.customerId);
    const capped = t.marketing && t.kind !== 'task';
    const sentBefore = batch.caps.get(t.customerId) ?? { today: 0, week: 0 };
    const sent = (channel: TouchChannel, ref: string, sentAt = now, shown: { text?: string; title?: string; coupon?: string } = {}) =>
      d.repo.finishTouch(t.id, d.owner, { status: 'sent', channel, ref, sentAt, delivery: channel === 'template' ? 'awaiting' : null }).then(async (mine) => {
        // Only the holder of the lease records it: a takeover does not write the touch twice.
        if (mine) await this.record({ kind: 'touch_sent', touch: t, channel, ref, at: sentAt, ...shown });
        counts.sent++;
        d.onTouch?.('sent', channel);
        // The next touch of this customer in the batch sees this one against the caps.
        if (capped) batch.caps.set(t.customerId, { today: sentBefore.today + 1, week: sentBefore.week + 1 });
        if (channel === 'template') batch.templates.set(t.customerId, (batch.templates.get(t.customerId) ?? 0) + 1);
      });
    // An earlier template call of this touch ended without its msgid recorded: what WeCom made
    // of it is settled first, whatever has changed since (opt-out, quiet hours, a bot chat).
    if (t.templateAttempt) {
      const a = t.templateAttempt;
      // Never before the lease the call was made under has run out: until then the process
      // that made it may still be waiting for its answer.
      const settledAt = a.at + Math.max(d.config.templateSettleMs, d.config.leaseMs);
      if (now < settledAt) {
        await d.repo.finishTouch(t.id, d.owner, { status: 'pending', dueAt: settledAt });
        return;
      }
      const externalUserId = customer?.externalUserId;
      const found = externalUserId ? await findTemplateTask({ results: d.templates, repo: d.repo }, { attempt: a, externalUserId, now }) : undefined;
      if (found) {
        if (found.alsoMatched) d.log.warn({ touchId: t.id, msgid: found.msgid, alsoMatched: found.alsoMatched }, 'more than one WeCom task matches an interrupted template call');
        d.log.info({ touchId: t.id, msgid: found.msgid }, 'interrupted template call found in WeCom; its msgid adopted');
        return sent('template', `msg:${found.msgid}`, a.at);
      }
      d.log.info({ touchId: t.id }, 'interrupted template call left no task in WeCom; delivering again');
      if (!(await d.repo.markTemplateAttempt(t.id, d.owner, null))) return;
    }
    if (!customer || customer.mergedInto !== null || customer.erased) return skip('customer_gone');
    const journey = t.journeyId === null ? undefined : await this.journey(t.journeyId);
    // Disabling a journey stops what it has queued, not only what it would queue next.
    if (journey && !journey.enabled) return skip('journey_disabled');
    if (t.runId !== null && journey?.goal) {
      // The goal may be reached after the run created this touch (it can even have completed).
      const run = await d.repo.findRun(t.runId);
      if (run && (run.status === 'goal_reached' || (await this.goalReached(journey, run, now)))) {
        if (run.status !== 'goal_reached') await d.repo.markGoalReached(run.id, now);
        return skip('goal_reached');
      }
    }
    // Tasks are for the rep; every message goes by the one opt-out rule (a non-marketing touch is an order notice).
    if (t.kind !== 'task' && !mayReceive(customer, t.marketing ? 'marketing' : 'order_notice')) return skip('opted_out');
    const quiet = await this.quietHoursOf(t.storeId ?? customer.storeId);
    if (t.kind !== 'task' && inQuietHours(now, quiet)) {
      await d.repo.finishTouch(t.id, d.owner, { status: 'pending', dueAt: nextSendable(now, quiet), deferrals: t.deferrals + 1 });
      counts.deferred++;
      d.onTouch?.('deferred', 'quiet_hours');
      return;
    }
    if (capped && !withinCaps(sentBefore.today, sentBefore.week, d.config.caps)) return skip('frequency_cap');
    const owner = customer.ownerUserId ?? d.config.defaultRepUserId ?? null;

    // No rep and no bot chat yet: the add that gives them a rep is usually seconds away.
    const noRoute = async () => {
      const retryAt = retryForRoute(now, t.createdAt);
      if (retryAt === undefined) return skip('no_route');
      await d.repo.finishTouch(t.id, d.owner, { status: 'pending', dueAt: retryAt, deferrals: t.deferrals + 1 });
      counts.deferred++;
      d.onTouch?.('deferred', 'no_route');
    };
    if (!owner && t.kind === 'task') return noRoute();
    // Claimed as it goes out (a skipped touch gives no coupon); a retry finds the same claim.
    const coupon = t.payload.coupon ? await d.actions.claimCoupon({ customerId: t.customerId, offerKey: couponOfferKey(t), code: t.payload.coupon, at: now }) : undefined;
    if (t.kind === 'task') {
      const id = await d.actions.createTask({ customerId: t.customerId, storeId: t.storeId, staffUserId: owner!, title: fill(t.payload.title ?? '', customer.name, coupon), dueAt: t.dueAt, sourceKey: `touch:${t.idemKey}` });
      return sent('task', `task:${id}`, now, { title: fill(t.payload.title ?? '', customer.name, coupon), coupon });
    }
    const text = t.kind === 'message' ? fill(t.payload.text ?? '', customer.name, coupon) : '';
    const contactId = batch.contacts.get(t.customerId);
    if (contactId) {
      if (t.kind === 'question') {
        await d.actions.ask(t.customerId, t.payload.question!, `touch:${t.idemKey}`, `touch:${t.idemKey}`);
      } else {
        await d.actions.enqueueBot({ account: d.config.account, to: { kind: 'dm', contactId }, text, customerId: t.customerId, purpose: t.marketing ? 'marketing' : 'system', dedupeKey: `touch:${t.idemKey}` });
      }
      return sent('bot', `outbox:touch:${t.idemKey}`, now, { text: text || undefined, coupon });
    }
    if (t.kind === 'message' && owner && customer.externalUserId) {
      const cap = d.config.massPerMonth || daysInMonth(now);
      if ((batch.templates.get(t.customerId) ?? 0) < cap) {
        const msgid = await this.sendTemplate(t, { at: d.clock.now(), sender: owner, textSha: textSha(text) }, customer.externalUserId, text);
        if (msgid === null) return;
        if (msgid) return sent('template', `msg:${msgid}`, now, { text, coupon });
      }
    }
    if (!owner) return noRoute();
    const storeId = t.storeId ?? customer.storeId;
    const title =
      t.kind === 'question'
        ? d.texts.render(t.payload.question === 'nps' ? 'task.journey.nps' : 'task.journey.birthday', storeId, { customer: customer.name })
        : d.texts.render('task.journey.message', storeId, { customer: customer.name, text });
    const id = await d.actions.createTask({ customerId: t.customerId, storeId: t.storeId, staffUserId: owner, title, dueAt: now, sourceKey: `touch:${t.idemKey}` });
    return sent('task', `task:${id}`, now, { title, coupon });
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

import { createHash } from 'node:crypto';
import { journeyStepClass } from '../customer/messaging-policy.js';
import { DAY_MS } from '../../shared/shanghai-time.js';
import type { Condition, Journey, JourneyRun, Step, Target } from './journey.types.js';
import type { EngineDeps, TickCounts } from './engine-deps.js';
import { journeyTagChange } from './tag-step.js';
import { parseHm, waitUntil } from './policy.js';
import { TouchDelivery } from './touch-delivery.js';

export type { EngineConfig, EngineDeps, TickCounts } from './engine-deps.js';

/** A step loop guard: a branch back to an earlier step without a wait would spin forever. */
const MAX_STEPS_PER_ADVANCE = 50;

const couponFor = (idemKey: string) => createHash('sha256').update(idemKey).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 10).toUpperCase();

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
  private readonly delivery: TouchDelivery;

  constructor(private readonly d: EngineDeps) {
    this.delivery = new TouchDelivery({ ...d, journey: (id) => this.journey(id), goalReached: (j, run, now) => this.goalReached(j, run, now) });
  }

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

  /** Delivers due touches (touch-delivery.ts): the second half of a tick. */
  dispatchDue(counts: TickCounts): Promise<number> {
    return this.delivery.dispatchDue(counts);
  }
}

import { badRequest, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { DAY_MS } from '../../shared/shanghai-time.js';
import { decodeTagCursor, encodeTagCursor, type JourneyRepo, type TriggerCursors, type TriggerSources } from './journey.ports.js';
import type { Journey, Step, Trigger } from './journey.types.js';
import type { PaidOrder } from '../order/order.types.js';
import { orderEntry } from './order-entry.js';
import { tagStepProblems } from './tag-step.js';
import { parseHm } from './policy.js';
import { checkTemplate } from '../template/template-engine.js';

export type JourneyInput = Omit<Journey, 'id' | 'createdAt' | 'updatedAt' | 'key'>;

/** Problems a journey definition has, in Chinese; empty when it is sound. */
export function journeyProblems(j: Pick<Journey, 'steps' | 'goal' | 'reentry' | 'reentryDays' | 'trigger' | 'triggerArg'>): string[] {
  const p: string[] = [];
  if (!j.steps.length) p.push('旅程至少需要一个步骤');
  if (j.steps.length > 50) p.push('旅程最多 50 个步骤');
  j.steps.forEach((s: Step, i) => {
    const at = `第 ${i + 1} 步`;
    if (s.type === 'wait') {
      const total = (s.minutes ?? 0) + (s.days ?? 0) * 1440;
      if (total <= 0 && !s.at) p.push(`${at}：等待需要时长或时间点`);
      if (total > 366 * 1440) p.push(`${at}：等待不能超过一年`);
      if (s.at) {
        try {
          parseHm(s.at);
        } catch {
          p.push(`${at}：时间点格式应为 HH:MM`);
        }
      }
    }
    if (s.type === 'send' && (!s.text.trim() || s.text.length > 1000)) p.push(`${at}：消息内容需为 1-1000 字`);
    if (s.type === 'task' && (!s.title.trim() || s.title.length > 200)) p.push(`${at}：任务标题需为 1-200 字`);
    if (s.type === 'tag' && !(s.add?.length || s.remove?.length)) p.push(`${at}：请指定要添加或移除的标签`);
    if (s.type === 'tag') for (const problem of tagStepProblems(s)) p.push(`${at}：${problem}`);
    if (s.type === 'branch') {
      for (const to of [s.then, s.else]) {
        if (to !== 'end' && (!Number.isInteger(to) || to < 0 || to >= j.steps.length)) p.push(`${at}：分支跳转的步骤不存在`);
        // Jumping back without a wait in between would loop within one tick.
        if (to !== 'end' && to <= i && !j.steps.slice(to, i).some((x) => x.type === 'wait')) p.push(`${at}：向前跳转的分支之间必须有等待步骤`);
      }
      if (s.if.kind === 'has_tag' && !s.if.tag.trim()) p.push(`${at}：条件需要标签名`);
    }
  });
  if (j.goal && (j.goal.windowDays < 1 || j.goal.windowDays > 365)) p.push('目标的转化窗口需为 1-365 天');
  if (j.reentry === 'after_days' && !(j.reentryDays && j.reentryDays > 0)) p.push('“间隔后可再次进入”需要天数');
  if ((j.trigger === 'tag_added' || j.trigger === 'segment_entered') && !j.triggerArg) p.push('该触发方式需要指定标签或分群');
  return p;
}

/**
 * Refuses a journey whose message texts or task titles use a variable the engine does not fill
 * there (TEMPLATE.*, 400, naming the step): checked before the other problems, so the operator
 * is told which variable, not only that the journey is invalid.
 */
function checkStepTexts(steps: Step[]): void {
  steps.forEach((s, i) => {
    if (s.type === 'send') checkTemplate(s.text, 'journeyMessage', `第 ${i + 1} 步`);
    if (s.type === 'task') checkTemplate(s.title, 'journeyTask', `第 ${i + 1} 步`);
  });
}

/**
 * Journeys as data: create, edit, enable and disable, and enter customers into the enabled ones
 * when their trigger happens, following each journey's re-entry rule.
 */
export class JourneyService {
  // Enabled journeys per trigger for a few seconds: every add and every order asks, and most
  // triggers have no journey at all.
  private readonly enabled = new Map<Trigger, { at: number; list: Promise<Journey[]> }>();

  constructor(
    private readonly d: {
      repo: JourneyRepo;
      clock: Clock;
      defaults: Array<JourneyInput & { key: string }>;
      sources?: TriggerSources;
      cursors?: TriggerCursors;
      /** How old a live order may be and still start order_paid journeys (see order-entry.ts); default 24 h. */
      orderMaxAgeMs?: number;
    },
  ) {}

  /**
   * A newly recorded paid order: enters the order_paid journeys when orderEntry() allows it
   * (never for imports, never for orders older than orderMaxAgeMs). Returns the runs created.
   */
  async orderPaid(o: PaidOrder): Promise<number> {
    if (!orderEntry(o, this.d.clock.now(), this.d.orderMaxAgeMs ?? DAY_MS).enter) return 0;
    return this.trigger({ trigger: 'order_paid', customerId: o.customerId, storeId: o.storeId, ref: `order:${o.id}`, at: o.paidAt });
  }

  /**
   * Enters customers into tag_added and segment_entered journeys from what was written since the
   * last scan (customer_tags rows, RFM segment changes). Entering is keyed by the tag row or the
   * history row, so a rescan after a lost cursor enters nobody twice. Returns runs created.
   */
  async scanTriggers(limit = 1000): Promise<number> {
    const { sources, cursors } = this.d;
    if (!sources || !cursors) return 0;
    let entered = 0;
    for (const j of [...(await this.enabledFor('tag_added')), ...(await this.enabledFor('segment_entered'))]) {
      if (!j.triggerArg) continue;
      const stored = await cursors.get(j.id);
      if (j.trigger === 'tag_added') {
        let cursor = decodeTagCursor(stored, j.createdAt);
        const from = encodeTagCursor(cursor);
        for (const a of await sources.listTagAdds(j.triggerArg, cursor, limit)) {
          entered += await this.trigger({ trigger: 'tag_added', arg: j.triggerArg, customerId: a.customerId, storeId: a.storeId, ref: `tag:${a.tagId}:${a.at}`, at: a.at });
          cursor = { at: a.at, customerId: a.customerId, tagId: a.tagId };
        }
        if (encodeTagCursor(cursor) !== from) await cursors.set(j.id, encodeTagCursor(cursor));
      } else {
        const from = stored === undefined ? 0 : Number(stored) || 0;
        let next = from;
        for (const e of await sources.listSegmentEntries(j.triggerArg, from, limit)) {
          entered += await this.trigger({ trigger: 'segment_entered', arg: j.triggerArg, customerId: e.customerId, storeId: e.storeId, ref: `rfm:${e.runId}`, at: this.d.clock.now() });
          next = Math.max(next, e.id);
        }
        if (next !== from) await cursors.set(j.id, String(next));
      }
    }
    return entered;
  }

  private enabledFor(trigger: Trigger): Promise<Journey[]> {
    const now = this.d.clock.now();
    const hit = this.enabled.get(trigger);
    if (hit && now - hit.at < 5_000) return hit.list;
    const list = this.d.repo.listEnabledByTrigger(trigger);
    this.enabled.set(trigger, { at: now, list });
    list.catch(() => this.enabled.delete(trigger));
    return list;
  }

  list(): Promise<Journey[]> {
    return this.d.repo.listJourneys();
  }

  async get(id: number): Promise<Journey> {
    const j = await this.d.repo.findJourney(id);
    if (!j) throw notFound('JOURNEY.NOT_FOUND', '旅程不存在');
    return j;
  }

  async create(input: JourneyInput): Promise<Journey> {
    checkStepTexts(input.steps);
    const problems = journeyProblems(input);
    if (problems.length) throw badRequest('JOURNEY.INVALID', problems.join('；'), problems);
    const now = this.d.clock.now();
    const id = await this.d.repo.insertJourney({ ...input, key: null, createdAt: now, updatedAt: now });
    this.enabled.clear();
    return this.get(id);
  }

  async edit(id: number, patch: Partial<JourneyInput>): Promise<Journey> {
    const j = await this.get(id);
    const next = { ...j, ...patch };
    if (patch.steps) checkStepTexts(patch.steps);
    const problems = journeyProblems(next);
    if (problems.length) throw badRequest('JOURNEY.INVALID', problems.join('；'), problems);
    await this.d.repo.updateJourney(id, { ...patch, updatedAt: this.d.clock.now() });
    this.enabled.clear();
    return this.get(id);
  }

  /** Adds the shipped journeys that are missing (by key); operators' edits to them are kept. */
  async ensureDefaults(): Promise<number> {
    let added = 0;
    for (const def of this.d.defaults) {
      if (await this.d.repo.findJourneyByKey(def.key)) continue;
      const now = this.d.clock.now();
      this.enabled.clear();
      await this.d.repo.insertJourney({ ...def, createdAt: now, updatedAt: now }).then(() => added++, async (e: unknown) => {
        // Two processes starting at once: the other one added it.
        if (!(await this.d.repo.findJourneyByKey(def.key))) throw e;
      });
    }
    return added;
  }

  /**
   * Enters a customer into every enabled journey with this trigger (of their store or of all
   * stores). Idempotent per (journey, customer, triggerRef). Returns the runs created.
   */
  async trigger(t: { trigger: Trigger; arg?: string | null; customerId: number; storeId: number | null; ref: string; at: number }): Promise<number> {
    let entered = 0;
    for (const j of await this.enabledFor(t.trigger)) {
      if (j.storeId !== null && j.storeId !== t.storeId) continue;
      if (j.triggerArg && j.triggerArg !== (t.arg ?? null)) continue;
      if (j.reentry !== 'always') {
        const last = await this.d.repo.lastEnteredAt(j.id, t.customerId);
        if (last !== undefined && (j.reentry === 'once' || t.at - last < (j.reentryDays ?? 0) * DAY_MS)) continue;
      }
      const id = await this.d.repo.insertRun({ journeyId: j.id, customerId: t.customerId, storeId: t.storeId, triggerRef: t.ref, nextAt: t.at, enteredAt: t.at });
      if (id !== undefined) entered++;
    }
    return entered;
  }
}

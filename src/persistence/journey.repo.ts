import type { Knex } from 'knex';
import type { CustomerFact, CustomerFacts, JourneyRepo, TagCursor } from '../domain/journey/journey.ports.js';
import type { Journey, JourneyRun, TemplateAttempt, Touch, TouchChannel, TouchDelivery, TouchStatus, Trigger } from '../domain/journey/journey.types.js';

const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const toJourney = (r: Record<string, any>): Journey => ({
  id: Number(r.id),
  key: r.key ?? null,
  storeId: nn(r.store_id),
  name: r.name,
  trigger: r.trigger,
  triggerArg: r.trigger_arg ?? null,
  steps: JSON.parse(r.steps),
  goal: r.goal ? JSON.parse(r.goal) : null,
  reentry: r.reentry,
  reentryDays: nn(r.reentry_days),
  enabled: !!r.enabled,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const JOURNEY_COLS: Record<string, (v: any) => [string, unknown]> = {
  key: (v) => ['key', v],
  storeId: (v) => ['store_id', v],
  name: (v) => ['name', v],
  trigger: (v) => ['trigger', v],
  triggerArg: (v) => ['trigger_arg', v],
  steps: (v) => ['steps', JSON.stringify(v)],
  goal: (v) => ['goal', v ? JSON.stringify(v) : null],
  reentry: (v) => ['reentry', v],
  reentryDays: (v) => ['reentry_days', v],
  enabled: (v) => ['enabled', v],
  createdAt: (v) => ['created_at', v],
  updatedAt: (v) => ['updated_at', v],
};

const journeyRow = (j: Partial<Journey>) => {
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j)) {
    const map = JOURNEY_COLS[k];
    if (map && v !== undefined) {
      const [col, val] = map(v);
      row[col] = val;
    }
  }
  return row;
};

const toRun = (r: Record<string, any>): JourneyRun => ({
  id: Number(r.id),
  journeyId: Number(r.journey_id),
  customerId: Number(r.customer_id),
  storeId: nn(r.store_id),
  triggerRef: r.trigger_ref,
  status: r.status,
  stepIndex: Number(r.step_index),
  nextAt: Number(r.next_at),
  enteredAt: Number(r.entered_at),
});

const toTouch = (r: Record<string, any>): Touch => ({
  id: Number(r.id),
  idemKey: r.idem_key,
  runId: nn(r.run_id),
  journeyId: nn(r.journey_id),
  customerId: Number(r.customer_id),
  storeId: nn(r.store_id),
  stepIndex: Number(r.step_index),
  kind: r.kind,
  payload: JSON.parse(r.payload),
  marketing: !!r.marketing,
  status: r.status,
  channel: r.channel ?? null,
  skipReason: r.skip_reason ?? null,
  attempts: Number(r.attempts),
  deferrals: Number(r.deferrals),
  dueAt: Number(r.due_at),
  createdAt: Number(r.created_at),
  sentAt: nn(r.sent_at),
  templateAttempt: r.template_attempt_at === null || r.template_attempt_at === undefined ? null : { at: Number(r.template_attempt_at), sender: r.template_sender, textSha: r.template_text_sha },
});

export class SqlJourneyRepo implements JourneyRepo {
  constructor(private readonly db: Knex) {}

  async listJourneys(): Promise<Journey[]> {
    return (await this.db('journeys').orderBy('id')).map(toJourney);
  }

  async findJourney(id: number): Promise<Journey | undefined> {
    const r = await this.db('journeys').where({ id }).first();
    return r && toJourney(r);
  }

  async findJourneyByKey(key: string): Promise<Journey | undefined> {
    const r = await this.db('journeys').where({ key }).first();
    return r && toJourney(r);
  }

  async insertJourney(j: Omit<Journey, 'id'>): Promise<number> {
    const [id] = await this.db('journeys').insert(journeyRow(j));
    return Number(id);
  }

  async updateJourney(id: number, patch: Partial<Omit<Journey, 'id' | 'createdAt'>>): Promise<void> {
    const row = journeyRow(patch);
    if (Object.keys(row).length) await this.db('journeys').where({ id }).update(row);
  }

  async listEnabledByTrigger(trigger: Trigger): Promise<Journey[]> {
    return (await this.db('journeys').where({ trigger, enabled: true }).orderBy('id')).map(toJourney);
  }

  async insertRun(r: Omit<JourneyRun, 'id' | 'status' | 'stepIndex'>): Promise<number | undefined> {
    const key = { journey_id: r.journeyId, customer_id: r.customerId, trigger_ref: r.triggerRef };
    const before = await this.db('journey_runs').where(key).first('id');
    if (before) return undefined;
    // A person whose data was erased enters no journey again (a journey would tag and message them).
    if (await this.db('customers').where({ id: r.customerId }).whereNotNull('erased_at').first('id')) return undefined;
    await this.db('journey_runs')
      .insert({ ...key, store_id: r.storeId, status: 'active', step_index: 0, next_at: r.nextAt, entered_at: r.enteredAt })
      .onConflict(['journey_id', 'customer_id', 'trigger_ref'])
      .ignore();
    const row = await this.db('journey_runs').where(key).first('id', 'entered_at');
    // Raced with another enrolment of the same trigger: only one of them counts as created.
    return row && Number(row.entered_at) === r.enteredAt ? Number(row.id) : undefined;
  }

  async lastEnteredAt(journeyId: number, customerId: number): Promise<number | undefined> {
    const r = await this.db('journey_runs').where({ journey_id: journeyId, customer_id: customerId }).max({ at: 'entered_at' }).first();
    return r?.at === null || r?.at === undefined ? undefined : Number(r.at);
  }

  async findRun(id: number): Promise<JourneyRun | undefined> {
    const r = await this.db('journey_runs').where({ id }).first();
    return r && toRun(r);
  }

  async claimDueRuns(owner: string, now: number, leaseUntil: number, limit: number): Promise<JourneyRun[]> {
    return this.claim('journey_runs', { status: 'active' }, owner, now, leaseUntil, limit, 'next_at').then((rows) => rows.map(toRun));
  }

  async advanceRun(id: number, owner: string, fromStep: number, patch: { stepIndex: number; nextAt: number; status?: string; exitReason?: string | null; endedAt?: number | null }): Promise<boolean> {
    const n = await this.db('journey_runs')
      .where({ id, lease_owner: owner, step_index: fromStep, status: 'active' })
      .update({
        step_index: patch.stepIndex,
        next_at: patch.nextAt,
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.exitReason !== undefined ? { exit_reason: patch.exitReason } : {}),
        ...(patch.endedAt !== undefined ? { ended_at: patch.endedAt } : {}),
        lease_owner: null,
        lease_until: null,
      });
    return n > 0;
  }

  async markGoalReached(id: number, at: number): Promise<void> {
    await this.db('journey_runs').where({ id }).whereNot({ status: 'goal_reached' }).update({ status: 'goal_reached', ended_at: at, lease_owner: null, lease_until: null });
  }

  async insertTouch(t: Parameters<JourneyRepo['insertTouch']>[0]): Promise<void> {
    await this.db('touches')
      .insert({
        idem_key: t.idemKey,
        run_id: t.runId,
        journey_id: t.journeyId,
        customer_id: t.customerId,
        store_id: t.storeId,
        step_index: t.stepIndex,
        kind: t.kind,
        payload: JSON.stringify(t.payload),
        marketing: t.marketing,
        status: 'pending',
        due_at: t.dueAt,
        created_at: t.createdAt,
      })
      .onConflict('idem_key')
      .ignore();
  }

  async claimDueTouches(owner: string, now: number, leaseUntil: number, limit: number): Promise<Touch[]> {
    return this.claim('touches', { status: 'pending' }, owner, now, leaseUntil, limit, 'due_at').then((rows) => rows.map(toTouch));
  }

  async finishTouch(id: number, owner: string, p: { status: TouchStatus; channel?: TouchChannel | null; delivery?: TouchDelivery | null; skipReason?: string | null; ref?: string | null; sentAt?: number | null; lastError?: string | null; attempts?: number; dueAt?: number; deferrals?: number }): Promise<boolean> {
    const row: Record<string, unknown> = { status: p.status, lease_owner: null, lease_until: null };
    if (p.channel !== undefined) row.channel = p.channel;
    if (p.delivery !== undefined) row.delivery = p.delivery;
    if (p.skipReason !== undefined) row.skip_reason = p.skipReason;
    if (p.ref !== undefined) row.ref = p.ref;
    if (p.sentAt !== undefined) row.sent_at = p.sentAt;
    if (p.lastError !== undefined) row.last_error = p.lastError;
    if (p.attempts !== undefined) row.attempts = p.attempts;
    if (p.dueAt !== undefined) row.due_at = p.dueAt;
    if (p.deferrals !== undefined) row.deferrals = p.deferrals;
    return (await this.db('touches').where({ id, lease_owner: owner }).update(row)) > 0;
  }

  async markTemplateAttempt(id: number, owner: string, a: TemplateAttempt | null): Promise<boolean> {
    const row = a ? { template_attempt_at: a.at, template_sender: a.sender, template_text_sha: a.textSha } : { template_attempt_at: null, template_sender: null, template_text_sha: null };
    return (await this.db('touches').where({ id, lease_owner: owner, status: 'pending' }).update(row)) > 0;
  }

  async listTakenRefs(refs: string[]): Promise<Set<string>> {
    if (!refs.length) return new Set();
    return new Set(await this.db('touches').whereIn('ref', refs).pluck('ref'));
  }

  async countMarketingSent(customerIds: number[], since: { today: number; week: number }): Promise<Map<number, { today: number; week: number }>> {
    const rows = await this.db('touches')
      .whereIn('customer_id', customerIds)
      .andWhere({ status: 'sent', marketing: true })
      .andWhere('sent_at', '>=', Math.min(since.today, since.week))
      .groupBy('customer_id')
      .select('customer_id', this.db.raw('SUM(CASE WHEN sent_at >= ? THEN 1 ELSE 0 END) AS today', [since.today]), this.db.raw('SUM(CASE WHEN sent_at >= ? THEN 1 ELSE 0 END) AS week', [since.week]));
    return new Map(rows.map((r: any) => [Number(r.customer_id), { today: Number(r.today), week: Number(r.week) }]));
  }

  async countTemplateSent(customerIds: number[], since: number): Promise<Map<number, number>> {
    const rows = await this.db('touches').whereIn('customer_id', customerIds).andWhere({ status: 'sent', channel: 'template' }).andWhere('sent_at', '>=', since).groupBy('customer_id').select('customer_id').count({ n: '*' });
    return new Map(rows.map((r: any) => [Number(r.customer_id), Number(r.n)]));
  }

  async listAwaitingTemplates(q: { sentSince: number; checkedBefore: number; limit: number }): Promise<Array<{ id: number; customerId: number; ref: string }>> {
    const rows = await this.db('touches')
      .where({ delivery: 'awaiting' })
      .andWhere((w) => w.whereNull('delivery_checked_at').orWhere('delivery_checked_at', '<', q.checkedBefore))
      .andWhere('sent_at', '>=', q.sentSince)
      .orderBy([{ column: 'delivery_checked_at', order: 'asc' }, { column: 'id', order: 'asc' }])
      .limit(q.limit)
      .select('id', 'customer_id', 'ref');
    return rows.map((r) => ({ id: Number(r.id), customerId: Number(r.customer_id), ref: r.ref }));
  }

  async setTemplateDelivery(id: number, p: { delivery: TouchDelivery; checkedAt: number; deliveredAt?: number | null; reason?: string | null }): Promise<void> {
    const row: Record<string, unknown> = { delivery: p.delivery, delivery_checked_at: p.checkedAt };
    if (p.deliveredAt !== undefined) row.delivered_at = p.deliveredAt;
    if (p.reason !== undefined) row.last_error = p.reason;
    // Only an awaiting touch moves: a result recorded by another poller stays.
    await this.db('touches').where({ id, delivery: 'awaiting' }).update(row);
  }

  /** Per journey: runs, touches by outcome, and what came back (delivered, replied, converted). */
  async journeyStats(journeyId: number, convertDays: number): Promise<Record<string, number>> {
    const runs = await this.db('journey_runs').where({ journey_id: journeyId }).groupBy('status').select('status').count({ n: '*' });
    const touches = await this.db('touches').where({ journey_id: journeyId }).groupBy('status').select('status').count({ n: '*' });
    const delivered = await this.db('touches')
      .join('outbox', 'outbox.dedupe_key', this.db.raw(String(this.db.client.config.client).startsWith('mysql') ? "CONCAT('touch:', touches.idem_key)" : "'touch:' || touches.idem_key"))
      .where({ 'touches.journey_id': journeyId, 'outbox.status': 'sent' })
      .count({ n: '*' })
      .first();
    const replied = await this.db('touches')
      .join('customers', 'customers.id', 'touches.customer_id')
      .where({ 'touches.journey_id': journeyId, 'touches.status': 'sent' })
      .andWhereRaw('customers.last_inbound_at > touches.sent_at')
      .countDistinct({ n: 'touches.customer_id' })
      .first();
    const converted = await this.db('touches')
      .join('orders', 'orders.customer_id', 'touches.customer_id')
      .where({ 'touches.journey_id': journeyId, 'touches.status': 'sent' })
      .andWhereRaw('orders.paid_at > touches.sent_at AND orders.paid_at <= touches.sent_at + ?', [convertDays * 86_400_000])
      .countDistinct({ n: 'touches.customer_id' })
      .first();
    const out: Record<string, number> = {};
    for (const r of runs as Array<{ status: string; n: number }>) out[`runs_${r.status}`] = Number(r.n);
    for (const r of touches as Array<{ status: string; n: number }>) out[`touches_${r.status}`] = Number(r.n);
    const templates = await this.db('touches').where({ journey_id: journeyId, channel: 'template' }).whereNotNull('delivery').groupBy('delivery').select('delivery').count({ n: '*' });
    const byDelivery = new Map((templates as Array<{ delivery: string; n: number }>).map((r) => [r.delivery, Number(r.n)]));
    // Bot touches are delivered when the outbox sent them; template touches when WeCom's send result says so.
    out.delivered = Number(delivered?.n ?? 0) + (byDelivery.get('delivered') ?? 0);
    out.delivery_awaiting = byDelivery.get('awaiting') ?? 0;
    out.delivery_failed = byDelivery.get('failed') ?? 0;
    out.replied = Number(replied?.n ?? 0);
    out.converted = Number(converted?.n ?? 0);
    return out;
  }

  /** Claims due rows (free or with an expired lease) for `owner`; safe against racing claimers. */
  private async claim(table: string, where: Record<string, string>, owner: string, now: number, leaseUntil: number, limit: number, dueCol: string): Promise<Record<string, any>[]> {
    const candidates = await this.db(table)
      .where(where)
      .andWhere(dueCol, '<=', now)
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', now))
      .orderBy(dueCol)
      .limit(limit)
      .pluck('id');
    if (!candidates.length) return [];
    await this.db(table)
      .whereIn('id', candidates)
      .where(where)
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', now))
      .update({ lease_owner: owner, lease_until: leaseUntil });
    return this.db(table).whereIn('id', candidates).andWhere({ lease_owner: owner, lease_until: leaseUntil }).orderBy(dueCol);
  }
}

/** Tag and segment trigger sources: customer_tags and rfm_history read in order. */
export class SqlTriggerSourceRepo {
  constructor(private readonly db: Knex) {}

  async listTagAdds(tagName: string, after: TagCursor, limit: number) {
    const rows = await this.db('customer_tags')
      .join('tags', 'tags.id', 'customer_tags.tag_id')
      .leftJoin('customers', 'customers.id', 'customer_tags.customer_id')
      .where('tags.name', tagName)
      .andWhere((w) =>
        w
          .where('customer_tags.created_at', '>', after.at)
          .orWhere((x) => x.where('customer_tags.created_at', after.at).andWhere('customer_tags.customer_id', '>', after.customerId))
          .orWhere((x) => x.where('customer_tags.created_at', after.at).andWhere('customer_tags.customer_id', after.customerId).andWhere('customer_tags.tag_id', '>', after.tagId)),
      )
      .orderBy([{ column: 'customer_tags.created_at' }, { column: 'customer_tags.customer_id' }, { column: 'customer_tags.tag_id' }])
      .limit(limit)
      .select('customer_tags.customer_id', 'customers.store_id', 'customer_tags.tag_id', 'customer_tags.created_at');
    return rows.map((r) => ({ customerId: Number(r.customer_id), storeId: nn(r.store_id), tagId: Number(r.tag_id), at: Number(r.created_at) }));
  }

  async listSegmentEntries(segment: string, afterId: number, limit: number) {
    const rows = await this.db('rfm_history').where({ to_segment: segment }).andWhere('id', '>', afterId).orderBy('id').limit(limit).select('id', 'customer_id', 'store_id', 'run_id');
    return rows.map((r) => ({ id: Number(r.id), customerId: Number(r.customer_id), storeId: nn(r.store_id), runId: Number(r.run_id) }));
  }
}

/** Facts about customers that journeys branch and route on. */
export class SqlCustomerFactsRepo implements CustomerFacts {
  constructor(
    private readonly db: Knex,
    private readonly corpId: string,
  ) {}

  async findMany(customerIds: number[]): Promise<Map<number, CustomerFact>> {
    const rows = await this.db('customers')
      .leftJoin('customer_identities as ext', (j) => j.on('ext.customer_id', 'customers.id').andOnVal('ext.kind', 'wecom_external').andOnVal('ext.scope', this.corpId))
      .whereIn('customers.id', customerIds)
      .select('customers.id', 'customers.store_id', 'customers.name', 'customers.owner_userid', 'customers.opted_out', 'customers.merged_into', 'customers.erased_at', 'ext.value as external_userid');
    const out = new Map<number, CustomerFact>();
    for (const r of rows) {
      // A customer with two external ids (two corps' views) keeps the first.
      if (out.has(Number(r.id))) continue;
      out.set(Number(r.id), { id: Number(r.id), storeId: nn(r.store_id), name: r.name, ownerUserId: r.owner_userid ?? null, optedOut: !!r.opted_out, mergedInto: nn(r.merged_into), erased: r.erased_at !== null && r.erased_at !== undefined, externalUserId: r.external_userid ?? null });
    }
    return out;
  }

  async boughtSince(customerId: number, since: number): Promise<boolean> {
    return !!(await this.db('orders').where({ customer_id: customerId, status: 'paid' }).andWhere('paid_at', '>', since).first('id'));
  }

  async repliedSince(customerId: number, since: number): Promise<boolean> {
    const r = await this.db('customers').where({ id: customerId }).first('last_inbound_at');
    return !!r && r.last_inbound_at !== null && Number(r.last_inbound_at) > since;
  }

  async hasTag(customerId: number, tag: string): Promise<boolean> {
    return !!(await this.db('customer_tags').join('tags', 'tags.id', 'customer_tags.tag_id').where({ 'customer_tags.customer_id': customerId, 'tags.name': tag }).first('tags.id'));
  }

  async segmentOf(customerId: number): Promise<string | null> {
    // customer_rfm arrives with the RFM job; until its table exists nobody has a segment.
    const r = await this.db('customer_rfm').where({ customer_id: customerId }).first('segment').catch(() => undefined);
    return r?.segment ?? null;
  }
}

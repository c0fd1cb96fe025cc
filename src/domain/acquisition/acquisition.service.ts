import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { ChannelLookup } from '../channel/channel-lookup.js';
import type { ChannelRepo } from '../channel/channel.ports.js';
import { channelTagRefs } from '../channel/channel.service.js';
import type { Channel } from '../channel/channel.types.js';
import { IdentityTakenError, identityKey, type CustomerRepo, type Transactor } from '../customer/customer.ports.js';
import type { Customer, Follow, FollowStatus, TimelineEntry, TimelineKind } from '../customer/customer.types.js';
import type { TagService } from '../tag/tag.service.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP, type Tag } from '../tag/tag.types.js';
import type { AcquisitionMetrics, ContactDetail, ContactGateway, LeadLinks, MediaIds, WelcomeAttachment, WelcomeOutcome } from './acquisition.ports.js';
import type { ContactEvent } from './contact-event.js';
import type { EventQueueRepo } from './event-queue.ports.js';

export interface AcquisitionDeps {
  corpId: string;
  channels: ChannelRepo;
  lookup: ChannelLookup;
  /** `events`, when given, lets a batch mark its inbound events done in the same transaction. */
  tx: Transactor<{ customers: CustomerRepo; events?: Pick<EventQueueRepo, 'completeMany'> }>;
  tags: TagService;
  wecom: ContactGateway;
  metrics: AcquisitionMetrics;
  clock: Clock;
  log: Logger;
  defaultWelcome: string;
  /** How long a WelcomeCode is usable after the callback arrived (WeCom: 20 s). */
  welcomeWindowMs: number;
  leads?: LeadLinks;
  media?: MediaIds;
  /**
   * After a batch of adds is recorded, with the channels they came through: a rep brought to a
   * channel's daily cap leaves its shared QR at once (ChannelService.afterAdds). Failures are logged.
   */
  onChannelAdds?(channelIds: number[]): Promise<unknown>;
  /** After an add is recorded (journeys with the contact_added trigger). Failures are logged. */
  onAdded?(a: { customerId: number; storeId: number | null; channelId: number | null; eventId: number; at: number }): Promise<unknown>;
}

export interface EventContext {
  eventId: number;
  receivedAt: number;
}

export interface AcquisitionResult {
  customerId: number;
  welcome: WelcomeOutcome;
}

/** Renders a welcome template; `{{name}}` becomes the customer's WeCom name. */
export function renderWelcome(template: string, vars: { name: string }): string {
  return template.replace(/\{\{\s*name\s*\}\}/g, vars.name);
}

const ALREADY_DELIVERED = 41051;
const NAME_VAR = /\{\{\s*name\s*\}\}/;

export const isAddEvent = (e: ContactEvent) => e.changeType === 'add_external_contact' || e.changeType === 'add_half_external_contact';

interface WelcomeResult {
  outcome: WelcomeOutcome;
  errcode?: number;
  latencyMs?: number;
}

interface PreparedAdd {
  e: ContactEvent;
  ctx: EventContext;
  /** The landing-page lead this add completes, when it came through the lead's own QR code. */
  lead?: { id: number; customerId: number; channelId: number; name: string };
  channel: Channel | undefined;
  detail: ContactDetail | undefined;
  welcome: WelcomeResult;
  tags: Tag[];
}

/** What an add changes on a customer we already know; undefined when nothing does. */
function customerPatch(c: Customer, p: PreparedAdd, now: number): Partial<Customer> | undefined {
  const patch: Partial<Customer> = {};
  // A name the person typed on the landing page beats their WeChat nickname.
  if (p.detail?.name && !c.name) patch.name = p.detail.name;
  if (p.detail?.avatar && p.detail.avatar !== c.avatar) patch.avatar = p.detail.avatar;
  if (!c.ownerUserId) patch.ownerUserId = p.e.userId;
  if (!c.firstChannelId && p.channel) patch.firstChannelId = p.channel.id;
  if (c.storeId === null && p.channel?.storeId) patch.storeId = p.channel.storeId;
  if (!Object.keys(patch).length) return undefined;
  patch.updatedAt = now;
  return patch;
}

/**
 * Turns WeCom customer-contact events into customers, relationships, tags and timeline rows,
 * and sends the channel's welcome inside the WelcomeCode window. Every write is keyed on the
 * inbound event id, so processing the same event twice changes nothing; a welcome that was
 * already delivered is recognised by WeCom's 41051 and counted as sent.
 */
export class AcquisitionService {
  constructor(private readonly d: AcquisitionDeps) {}

  async handle(e: ContactEvent, ctx: EventContext): Promise<AcquisitionResult> {
    switch (e.changeType) {
      case 'add_external_contact':
      case 'add_half_external_contact':
        return (await this.handleAdds([{ e, ctx }]))[0]!;
      case 'edit_external_contact':
        return this.changed(e, ctx, 'contact_edited', undefined);
      case 'del_external_contact':
        return this.changed(e, ctx, 'contact_deleted_by_staff', 'deleted_by_staff', { source: e.source ?? null });
      case 'del_follow_user':
        return this.changed(e, ctx, 'contact_lost', 'deleted_by_customer');
      case 'transfer_fail':
        return this.changed(e, ctx, 'transfer_failed', undefined, { reason: e.failReason ?? null });
      default:
        return this.changed(e, ctx, 'contact_edited', undefined, { changeType: e.changeType });
    }
  }

  /**
   * A batch of add events, as they were committed together. WeCom calls (detail, welcome) run
   * concurrently per event; the database work for the whole batch is one transaction of a few
   * set-at-a-time statements; mark_tag follows. A failure of the transaction fails the batch
   * (the caller retries it); a failed welcome or mark_tag only marks its own event.
   */
  async handleAdds(items: Array<{ e: ContactEvent; ctx: EventContext }>, opts: { completeEvents?: boolean } = {}): Promise<AcquisitionResult[]> {
    const prepared = await Promise.all(items.map((it) => this.prepareAdd(it.e, it.ctx)));
    const now = this.d.clock.now();
    const ids = await this.inTx(async ({ customers, events }) => {
      const written = await this.writeAdds(customers, prepared, now);
      // The inbound events are done exactly when their effects commit: no window in between.
      if (opts.completeEvents && events) await events.completeMany(prepared.map((p, i) => ({ id: p.ctx.eventId, customerId: written[i]! })), now);
      return written;
    });
    for (const p of prepared) if (p.lead) await this.d.leads!.markLinked(p.lead.id, now);
    const channelIds = prepared.flatMap((p) => (p.channel ? [p.channel.id] : []));
    if (this.d.onChannelAdds && channelIds.length) {
      await this.d.onChannelAdds(channelIds).catch((e: Error) => this.d.log.warn({ channels: channelIds.length, err: e.message }, 'daily caps not applied after adds'));
    }
    await Promise.all(prepared.map((p) => this.pushTags(p.e, p.tags)));
    if (this.d.onAdded) {
      for (const [i, p] of prepared.entries()) {
        await this.d.onAdded({ customerId: ids[i]!, storeId: p.channel?.storeId ?? null, channelId: p.channel?.id ?? null, eventId: p.ctx.eventId, at: now }).catch((e: Error) =>
          this.d.log.warn({ eventId: p.ctx.eventId, err: e.message }, 'contact_added journeys not entered'),
        );
      }
    }
    return prepared.map((p, i) => ({ customerId: ids[i]!, welcome: p.welcome.outcome }));
  }

  private async prepareAdd(e: ContactEvent, ctx: EventContext): Promise<PreparedAdd> {
    const deadline = ctx.receivedAt + this.d.welcomeWindowMs;
    const lead = e.state && this.d.leads ? await this.d.leads.findByState(e.state) : undefined;
    const channel = lead ? await this.d.channels.findChannel(lead.channelId) : e.state ? await this.d.lookup.byCode(e.state) : undefined;
    const active = channel && channel.status === 'active';
    const template = active ? channel.welcomeText : this.d.defaultWelcome;
    const attachments = active ? await this.attachmentsFor(channel, ctx) : [];
    // Bounded so a slow WeCom still leaves time for the welcome.
    const detailDeadline = Math.min(deadline, this.d.clock.now() + 3000);
    const fetchDetail = () =>
      this.d.wecom.getContact(e.externalUserId, detailDeadline).catch((err: Error) => {
        this.d.log.warn({ eventId: ctx.eventId, err: err.message }, 'contact detail unavailable, continuing without it');
        return undefined;
      });
    let detail: ContactDetail | undefined;
    let welcome: WelcomeResult;
    if (NAME_VAR.test(template) && !lead) {
      detail = await fetchDetail();
      welcome = await this.sendWelcome(e, ctx, template, detail?.name, attachments, deadline);
    } else if (lead) {
      // The name they typed on the landing page is the one to greet them with.
      [welcome, detail] = await Promise.all([this.sendWelcome(e, ctx, template, lead.name, attachments, deadline), fetchDetail()]);
    } else {
      // Nothing in the text depends on the detail: do not make the welcome wait for it.
      [welcome, detail] = await Promise.all([this.sendWelcome(e, ctx, template, '', attachments, deadline), fetchDetail()]);
    }
    const tagRefs = channel ? channelTagRefs(channel) : [{ group: BEHAVIOUR_GROUP, name: BEHAVIOUR.added, kind: 'behaviour' as const }];
    const tags = await this.d.tags.ensure(tagRefs);
    return { e, ctx, lead, channel, detail, welcome, tags };
  }

  private async writeAdds(customers: CustomerRepo, batch: PreparedAdd[], now: number): Promise<number[]> {
    const corp = this.d.corpId;
    const byExt = await customers.findCustomerIdsByIdentity('wecom_external', corp, [...new Set(batch.map((p) => p.e.externalUserId))]);
    const unionids = [...new Set(batch.filter((p) => !byExt.has(p.e.externalUserId) && p.detail?.unionid).map((p) => p.detail!.unionid!))];
    const byUnion = await customers.findCustomerIdsByIdentity('unionid', '', unionids);
    const leadCustomers = batch.flatMap((p) => (p.lead ? [p.lead.customerId] : []));
    const known = new Map((await customers.findCustomers([...new Set([...byExt.values(), ...byUnion.values(), ...leadCustomers])])).map((c) => [c.id, c]));

    // First pass: who is new. The same person twice in a batch (two reps) is created once.
    const fresh = new Map<string, Omit<Customer, 'id'>>();
    const personOf = (p: PreparedAdd) => {
      const unionid = p.detail?.unionid;
      const id = byExt.get(p.e.externalUserId) ?? p.lead?.customerId ?? (unionid ? byUnion.get(unionid) : undefined);
      if (id !== undefined) return id;
      return unionid && fresh.has(`u:${unionid}`) ? `u:${unionid}` : `x:${p.e.externalUserId}`;
    };
    for (const p of batch) {
      const who = personOf(p);
      if (typeof who === 'string' && !fresh.has(who)) {
        fresh.set(who, {
          storeId: p.channel?.storeId ?? null,
          name: p.detail?.name ?? '',
          avatar: p.detail?.avatar ?? null,
          gender: p.detail?.gender ?? 0,
          ownerUserId: p.e.userId,
          firstChannelId: p.channel?.id ?? null,
          stage: 'lead',
          optedOut: false,
          createdAt: now,
          updatedAt: now,
        });
      }
      if (typeof who === 'string' && p.detail?.unionid) fresh.set(`u:${p.detail.unionid}`, fresh.get(who)!);
    }
    const newRows = [...new Set(fresh.values())];
    const newIds = await customers.insertCustomers(newRows);
    const idOfRow = new Map(newRows.map((r, i) => [r, newIds[i]!]));
    for (const r of newRows) known.set(idOfRow.get(r)!, { ...r, id: idOfRow.get(r)! });

    const ids: number[] = [];
    const patches = new Map<number, Partial<Customer>>();
    for (const p of batch) {
      const who = personOf(p);
      const id = typeof who === 'number' ? who : idOfRow.get(fresh.get(who)!)!;
      const c = known.get(id)!;
      const patch = customerPatch(c, p, now);
      if (patch && !newIds.includes(id)) {
        Object.assign(c, patch);
        patches.set(id, { ...patches.get(id), ...patch });
      }
      ids.push(id);
    }
    for (const [id, patch] of patches) await customers.updateCustomer(id, patch);

    const identities = batch.flatMap((p, i) => [
      { customerId: ids[i]!, kind: 'wecom_external' as const, scope: corp, value: p.e.externalUserId },
      ...(p.detail?.unionid ? [{ customerId: ids[i]!, kind: 'unionid' as const, scope: '', value: p.detail.unionid }] : []),
    ]);
    const owners = await customers.insertIdentities(identities, now);
    for (const r of identities) {
      const owner = owners.get(identityKey(r.kind, r.scope, r.value));
      if (owner === r.customerId) continue;
      // Another transaction created this person a moment ago: retry and find them.
      if (r.kind === 'wecom_external') throw new IdentityTakenError();
      // Two records for one person: merging is an explicit, audited operation, never a side effect here.
      this.d.log.warn({ customerId: r.customerId }, 'unionid already on another customer; left for merge');
    }

    const follows = new Map((await customers.findFollows([...new Set(ids)])).map((f) => [`${f.customerId}|${f.staffUserId}`, f]));
    const tagsOf = await customers.listTagIdsOf([...new Set(ids)]);
    const upserts = new Map<string, Follow>();
    const tagRows: Array<{ customerId: number; tagId: number; source: string }> = [];
    const timeline: TimelineEntry[] = [];
    batch.forEach((p, i) => {
      const id = ids[i]!;
      const addedAt = p.e.createTime * 1000;
      const key = `${id}|${p.e.userId}`;
      const existing = upserts.get(key) ?? follows.get(key);
      // Events can be processed out of order: a deletion newer than this add wins.
      if (!existing || (existing.removedAt === null ? existing.addedAt <= addedAt : existing.removedAt < addedAt)) {
        upserts.set(key, { customerId: id, staffUserId: p.e.userId, channelId: p.channel?.id ?? null, state: p.e.state ?? null, status: 'active', addedAt, removedAt: null });
      }
      const base = { customerId: id, channelId: p.channel?.id ?? null, staffUserId: p.e.userId, sourceEventId: p.ctx.eventId };
      timeline.push({ ...base, kind: 'contact_added', occurredAt: addedAt, data: { state: p.e.state ?? null, half: p.e.changeType === 'add_half_external_contact' } });
      const w = p.welcome;
      if (w.outcome !== 'none') {
        const kind: TimelineKind = w.outcome === 'sent' || w.outcome === 'already_sent' ? 'welcome_sent' : w.outcome === 'expired' ? 'welcome_skipped' : 'welcome_failed';
        timeline.push({ ...base, kind, occurredAt: now, data: { outcome: w.outcome, errcode: w.errcode ?? null, latencyMs: w.latencyMs ?? null } });
      }
      if (p.lead) timeline.push({ ...base, kind: 'lead_linked', occurredAt: addedAt, data: { leadId: p.lead.id } });
      const have = tagsOf.get(id)!;
      const fresh = p.tags.filter((t) => !have.has(t.id));
      if (fresh.length) {
        for (const t of fresh) {
          have.add(t.id);
          tagRows.push({ customerId: id, tagId: t.id, source: p.channel ? `channel:${p.channel.id}` : 'wecom' });
        }
        timeline.push({ ...base, kind: 'tags_added', occurredAt: now, data: { tags: fresh.map((t) => `${t.group}/${t.name}`) } });
      }
    });
    await customers.upsertFollows([...upserts.values()]);
    await customers.insertCustomerTags(tagRows, now);
    await customers.insertTimelines(timeline);
    return ids;
  }


  private async sendWelcome(
    e: ContactEvent,
    ctx: EventContext,
    template: string,
    name: string | undefined,
    attachments: WelcomeAttachment[],
    deadline: number,
  ): Promise<WelcomeResult> {
    if (!e.welcomeCode) return { outcome: 'none' };
    if (this.d.clock.now() >= deadline) {
      this.d.metrics.welcome('expired');
      return { outcome: 'expired' };
    }
    try {
      await this.d.wecom.sendWelcome({ welcomeCode: e.welcomeCode, text: renderWelcome(template, { name: name ?? '' }), attachments, deadline });
      const latencyMs = this.d.clock.now() - ctx.receivedAt;
      this.d.metrics.welcome('sent', latencyMs);
      return { outcome: 'sent', latencyMs };
    } catch (err) {
      const errcode = (err as { errcode?: number }).errcode;
      if (errcode === ALREADY_DELIVERED) {
        this.d.metrics.welcome('already_sent');
        return { outcome: 'already_sent', errcode };
      }
      this.d.metrics.welcome('failed');
      this.d.log.error({ eventId: ctx.eventId, errcode, err: (err as Error).message }, 'welcome not delivered');
      return { outcome: 'failed', errcode };
    }
  }

  /**
   * The channel's link card, image and mini-program card. An image that cannot be uploaded in
   * time is left out rather than holding back the welcome, which has 20 seconds.
   */
  private async attachmentsFor(c: Channel, ctx: EventContext): Promise<WelcomeAttachment[]> {
    const out: WelcomeAttachment[] = [];
    if (c.welcomeLink) out.push({ kind: 'link', ...c.welcomeLink });
    const media = async (assetId: number) => {
      try {
        return await this.d.media?.mediaIdFor(assetId);
      } catch (err) {
        this.d.log.warn({ eventId: ctx.eventId, assetId, err: (err as Error).message }, 'welcome image unavailable, sent without it');
        return undefined;
      }
    };
    if (c.welcomeImageAsset) {
      const mediaId = await media(c.welcomeImageAsset);
      if (mediaId) out.push({ kind: 'image', mediaId });
    }
    if (c.welcomeMiniprogram) {
      const picMediaId = await media(c.welcomeMiniprogram.assetId);
      if (picMediaId) out.push({ kind: 'miniprogram', title: c.welcomeMiniprogram.title, appid: c.welcomeMiniprogram.appid, page: c.welcomeMiniprogram.page, picMediaId });
    }
    return out;
  }

  /** Mark the tags in WeCom too. Failure is logged, not fatal: our own record is the truth. */
  private async pushTags(e: ContactEvent, tags: Tag[]): Promise<void> {
    const ids = tags.map((t) => t.wecomTagId).filter((x): x is string => !!x);
    if (!ids.length) return;
    try {
      await this.d.wecom.markTag({ userid: e.userId, externalUserId: e.externalUserId, add: ids });
    } catch (err) {
      this.d.log.warn({ errcode: (err as { errcode?: number }).errcode, err: (err as Error).message }, 'mark_tag failed');
    }
  }

  private async changed(
    e: ContactEvent,
    ctx: EventContext,
    kind: TimelineKind,
    followStatus: FollowStatus | undefined,
    extra: Record<string, unknown> = {},
  ): Promise<AcquisitionResult> {
    const now = this.d.clock.now();
    const customerId = await this.inTx(async ({ customers }) => {
      const id = await this.resolveCustomer(customers, e, undefined, undefined, now);
      if (followStatus) {
        const at = e.createTime * 1000;
        const existing = await customers.findFollow(id, e.userId);
        // A deletion processed before its add leaves a row the add will not reactivate.
        if (!existing) await customers.upsertFollow({ customerId: id, staffUserId: e.userId, channelId: null, state: null, status: followStatus, addedAt: at, removedAt: at });
        else if (existing.addedAt <= at) await customers.updateFollowStatus(id, e.userId, followStatus, at);
      }
      await customers.insertTimeline({
        customerId: id,
        kind,
        channelId: null,
        staffUserId: e.userId,
        data: { changeType: e.changeType, ...extra },
        occurredAt: e.createTime * 1000,
        sourceEventId: ctx.eventId,
      });
      return id;
    });
    return { customerId, welcome: 'none' };
  }

  /** One customer per person: external id first, then unionid, else a new customer. */
  private async resolveCustomer(
    customers: CustomerRepo,
    e: ContactEvent,
    detail: ContactDetail | undefined,
    channel: Channel | undefined,
    now: number,
  ): Promise<number> {
    let c = await customers.findCustomerByIdentity('wecom_external', this.d.corpId, e.externalUserId);
    if (!c && detail?.unionid) c = await customers.findCustomerByIdentity('unionid', '', detail.unionid);
    let id: number;
    if (c) {
      id = c.id;
      const patch: Record<string, unknown> = {};
      if (detail?.name && detail.name !== c.name) patch.name = detail.name;
      if (detail?.avatar && detail.avatar !== c.avatar) patch.avatar = detail.avatar;
      if (!c.ownerUserId && e.changeType.startsWith('add_')) patch.ownerUserId = e.userId;
      if (!c.firstChannelId && channel) patch.firstChannelId = channel.id;
      if (c.storeId === null && channel?.storeId) patch.storeId = channel.storeId;
      if (Object.keys(patch).length) await customers.updateCustomer(id, { ...patch, updatedAt: now });
    } else {
      id = await customers.insertCustomer({
        storeId: channel?.storeId ?? null,
        name: detail?.name ?? '',
        avatar: detail?.avatar ?? null,
        gender: detail?.gender ?? 0,
        ownerUserId: e.changeType.startsWith('add_') ? e.userId : null,
        firstChannelId: channel?.id ?? null,
        stage: 'lead',
        optedOut: false,
        createdAt: now,
        updatedAt: now,
      });
    }
    // Taken here means another event created this person a moment ago: retry and find them.
    if ((await customers.insertIdentity(id, 'wecom_external', this.d.corpId, e.externalUserId, now)) === 'taken') throw new IdentityTakenError();
    if (detail?.unionid && (await customers.insertIdentity(id, 'unionid', '', detail.unionid, now)) === 'taken') {
      // Two records for one person: merging is an explicit, audited operation, never a side effect here.
      this.d.log.warn({ customerId: id }, 'unionid already on another customer; left for merge');
    }
    return id;
  }

  /** A concurrent event for the same person may win the identity race; retry once on its customer. */
  private async inTx<T>(fn: (r: { customers: CustomerRepo; events?: Pick<EventQueueRepo, 'completeMany'> }) => Promise<T>): Promise<T> {
    try {
      return await this.d.tx.transaction(fn);
    } catch (e) {
      if (!(e instanceof IdentityTakenError)) throw e;
      return this.d.tx.transaction(fn);
    }
  }
}

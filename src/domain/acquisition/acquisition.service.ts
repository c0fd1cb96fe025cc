import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { ChannelLookup } from '../channel/channel-lookup.js';
import type { ChannelRepo } from '../channel/channel.ports.js';
import { channelTagRefs } from '../channel/channel.service.js';
import type { Channel } from '../channel/channel.types.js';
import type { CustomerRepo, Transactor } from '../customer/customer.ports.js';
import type { Customer, Follow, FollowStatus, TimelineEntry, TimelineKind } from '../customer/customer.types.js';
import type { IdentityService, PersonClaim } from '../customer/identity.service.js';
import { isLost, stageOnReturn, type LostCustomer } from '../customer/lifecycle.js';
import type { TagService } from '../tag/tag.service.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP, type Tag } from '../tag/tag.types.js';
import { checkTemplate, compileTemplate, renderText, usesVariable } from '../template/template-engine.js';
import type { AcquisitionMetrics, ContactDetail, ContactGateway, LeadLinks, MediaIds, SettledWelcome, WelcomeAttachment, WelcomeOutcome } from './acquisition.ports.js';
import type { ContactEvent } from './contact-event.js';
import type { EventQueueRepo } from './event-queue.ports.js';
import { planAdd } from './welcome-schedule.js';

export interface AcquisitionDeps {
  corpId: string;
  channels: ChannelRepo;
  lookup: ChannelLookup;
  /** `events`, when given, lets a batch mark its inbound events done in the same transaction. */
  tx: Transactor<{ customers: CustomerRepo; events?: Pick<EventQueueRepo, 'completeMany'> }>;
  /** Finds or creates the person behind each event (domain/customer/identity.service.ts). */
  people: IdentityService;
  tags: TagService;
  wecom: ContactGateway;
  metrics: AcquisitionMetrics;
  clock: Clock;
  log: Logger;
  /** The welcome of adds through no known channel (WELCOME_DEFAULT_TEXT); a template of the welcome context. */
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
  /**
   * After a deletion left a customer with no rep (stage set to churned, in the same transaction):
   * notices to staff and the contact_lost journeys. Called once, by the processing that made the
   * change; failures are logged.
   */
  onLost?(l: LostCustomer): Promise<unknown>;
}

export interface EventContext {
  eventId: number;
  receivedAt: number;
  /** The welcome's outcome when it was settled earlier (sent or skipped under pressure, recorded in the inbox): not sent again. */
  welcome?: SettledWelcome;
}

export interface AcquisitionResult {
  customerId: number;
  welcome: WelcomeOutcome;
}

const ALREADY_DELIVERED = 41051;

export const isAddEvent = (e: ContactEvent) => e.changeType === 'add_external_contact' || e.changeType === 'add_half_external_contact';

type Lead = { id: number; customerId: number; channelId: number; name: string };

interface PreparedAdd {
  e: ContactEvent;
  ctx: EventContext;
  /** The landing-page lead this add completes, when it came through the lead's own QR code. */
  lead?: Lead;
  channel: Channel | undefined;
  detail: ContactDetail | undefined;
  welcome: SettledWelcome;
  tags: Tag[];
}

/** The rows a batch of adds writes, built in memory before the few set-at-a-time statements. */
interface AddRows {
  upserts: Map<string, Follow>;
  tagRows: Array<{ customerId: number; tagId: number; source: string }>;
  timeline: TimelineEntry[];
}

const WELCOME_KIND: Record<Exclude<WelcomeOutcome, 'none'>, TimelineKind> = {
  sent: 'welcome_sent',
  already_sent: 'welcome_sent',
  expired: 'welcome_skipped',
  failed: 'welcome_failed',
};

/**
 * Turns WeCom customer-contact events into customers, relationships, tags and timeline rows,
 * and sends the channel's welcome inside the WelcomeCode window. Every write is keyed on the
 * inbound event id, so processing the same event twice changes nothing; a welcome that was
 * already delivered is recognised by WeCom's 41051 and counted as sent.
 */
export class AcquisitionService {
  /** Throws (start-up fails) when the configured default welcome uses a variable welcomes do not have. */
  constructor(private readonly d: AcquisitionDeps) {
    checkTemplate(d.defaultWelcome, 'welcome', 'WELCOME_DEFAULT_TEXT');
  }

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
   * (the caller retries it); a failed welcome or mark_tag only marks its own event. An event
   * whose ctx carries a settled welcome is not welcomed again.
   */
  async handleAdds(items: Array<{ e: ContactEvent; ctx: EventContext }>, opts: { completeEvents?: boolean } = {}): Promise<AcquisitionResult[]> {
    const prepared = await Promise.all(items.map((it) => this.resolveChannelAndWelcome(it.e, it.ctx)));
    const now = this.d.clock.now();
    const ids = await this.d.tx.transaction(async ({ customers, events }) => {
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

  /**
   * Only the welcomes of a batch of adds, for when we are behind (welcome-schedule.ts): no
   * profile fetch (`{name}` renders empty unless a landing-page lead gave one), no writes. The
   * caller keeps each outcome with the event and hands it back to handleAdds later.
   */
  async welcomeOnly(items: Array<{ e: ContactEvent; ctx: EventContext }>): Promise<SettledWelcome[]> {
    return Promise.all(
      items.map(async ({ e, ctx }) => {
        const { lead, channel } = await this.resolveChannel(e);
        const { template, attachments } = await this.welcomeOf(channel, ctx);
        return this.sendWelcome(e, ctx, template, lead?.name, attachments, ctx.receivedAt + this.d.welcomeWindowMs);
      }),
    );
  }

  /** An add taken up too late for its window (welcome-schedule.ts): counted, not attempted. */
  skippedWelcome(): SettledWelcome {
    this.d.metrics.welcome('expired');
    return { outcome: 'expired' };
  }

  /** The lead whose own QR code this add came through, if any, and the channel it belongs to. */
  private async resolveChannel(e: ContactEvent): Promise<{ lead?: Lead; channel?: Channel }> {
    const lead = e.state && this.d.leads ? await this.d.leads.findByState(e.state) : undefined;
    const channel = lead ? await this.d.channels.findChannel(lead.channelId) : e.state ? await this.d.lookup.byCode(e.state) : undefined;
    return { lead, channel };
  }

  private async welcomeOf(channel: Channel | undefined, ctx: EventContext): Promise<{ template: string; attachments: WelcomeAttachment[] }> {
    const active = channel && channel.status === 'active';
    return { template: active ? channel.welcomeText : this.d.defaultWelcome, attachments: active ? await this.attachmentsFor(channel, ctx) : [] };
  }

  private async resolveChannelAndWelcome(e: ContactEvent, ctx: EventContext): Promise<PreparedAdd> {
    const deadline = ctx.receivedAt + this.d.welcomeWindowMs;
    const { lead, channel } = await this.resolveChannel(e);
    // Bounded so a slow WeCom still leaves time for the welcome.
    const detailDeadline = Math.min(deadline, this.d.clock.now() + 3000);
    const fetchDetail = () =>
      this.d.wecom.getContact(e.externalUserId, ctx.welcome ? this.d.clock.now() + 3000 : detailDeadline).catch((err: Error) => {
        this.d.log.warn({ eventId: ctx.eventId, err: err.message }, 'contact detail unavailable, continuing without it');
        return undefined;
      });
    let detail: ContactDetail | undefined;
    let welcome: SettledWelcome;
    if (ctx.welcome) {
      // Settled earlier, under pressure: only the profile is left to fetch.
      [welcome, detail] = [ctx.welcome, await fetchDetail()];
    } else {
      const { template, attachments } = await this.welcomeOf(channel, ctx);
      // Not behind (the processor calls welcomeOnly when it is): the name is worth the wait.
      if (planAdd(false, { templateUsesName: usesVariable(compileTemplate(template), 'name'), nameFromLead: !!lead }).profileBeforeWelcome) {
        detail = await fetchDetail();
        welcome = await this.sendWelcome(e, ctx, template, detail?.name, attachments, deadline);
      } else {
        // The name they typed on the landing page is the one to greet them with; with no
        // {name} in the text, the welcome does not wait for the detail.
        [welcome, detail] = await Promise.all([this.sendWelcome(e, ctx, template, lead?.name ?? '', attachments, deadline), fetchDetail()]);
      }
    }
    const tagRefs = channel ? channelTagRefs(channel) : [{ group: BEHAVIOUR_GROUP, name: BEHAVIOUR.added, kind: 'behaviour' as const }];
    const tags = await this.d.tags.ensure(tagRefs);
    return { e, ctx, lead, channel, detail, welcome, tags };
  }

  private async writeAdds(customers: CustomerRepo, batch: PreparedAdd[], now: number): Promise<number[]> {
    const people = await this.d.people.resolveMany(customers, batch.map((p) => this.claimOf(p)), now);
    const ids = people.map((r) => r.customer.id);
    const follows = new Map((await customers.findFollows([...new Set(ids)])).map((f) => [`${f.customerId}|${f.staffUserId}`, f]));
    const tagsOf = await customers.listTagIdsOf([...new Set(ids)]);
    const rows: AddRows = { upserts: new Map(), tagRows: [], timeline: [] };
    batch.forEach((p, i) => this.rowsOfAdd(rows, p, ids[i]!, follows, tagsOf.get(ids[i]!)!, now));
    await customers.upsertFollows([...rows.upserts.values()]);
    await this.reviveChurned(customers, people.map((r) => r.customer), rows, now);
    await customers.insertCustomerTags(rows.tagRows, now);
    await customers.insertTimelines(rows.timeline);
    return ids;
  }

  /** One add's follow, tags and timeline rows, added to the batch's. `have` is the customer's tag ids, updated. */
  private rowsOfAdd(rows: AddRows, p: PreparedAdd, id: number, follows: Map<string, Follow>, have: Set<number>, now: number): void {
    const addedAt = p.e.createTime * 1000;
    const key = `${id}|${p.e.userId}`;
    const existing = rows.upserts.get(key) ?? follows.get(key);
    // Events can be processed out of order: a deletion newer than this add wins.
    if (!existing || (existing.removedAt === null ? existing.addedAt <= addedAt : existing.removedAt < addedAt)) {
      rows.upserts.set(key, { customerId: id, staffUserId: p.e.userId, channelId: p.channel?.id ?? null, state: p.e.state ?? null, status: 'active', addedAt, removedAt: null });
    }
    const base = { customerId: id, channelId: p.channel?.id ?? null, staffUserId: p.e.userId, sourceEventId: p.ctx.eventId };
    rows.timeline.push({ ...base, kind: 'contact_added', occurredAt: addedAt, data: { state: p.e.state ?? null, half: p.e.changeType === 'add_half_external_contact' } });
    const w = p.welcome;
    if (w.outcome !== 'none') {
      rows.timeline.push({ ...base, kind: WELCOME_KIND[w.outcome], occurredAt: now, data: { outcome: w.outcome, errcode: w.errcode ?? null, latencyMs: w.latencyMs ?? null } });
    }
    if (p.lead) rows.timeline.push({ ...base, kind: 'lead_linked', occurredAt: addedAt, data: { leadId: p.lead.id } });
    const fresh = p.tags.filter((t) => !have.has(t.id));
    if (!fresh.length) return;
    for (const t of fresh) {
      have.add(t.id);
      rows.tagRows.push({ customerId: id, tagId: t.id, source: p.channel ? `channel:${p.channel.id}` : 'wecom' });
    }
    rows.timeline.push({ ...base, kind: 'tags_added', occurredAt: now, data: { tags: fresh.map((t) => `${t.group}/${t.name}`) } });
  }

  /** A lost customer who adds a rep again is no longer lost: back to what their purchases say. */
  private async reviveChurned(customers: CustomerRepo, people: Customer[], rows: AddRows, now: number): Promise<void> {
    const known = new Map(people.map((c) => [c.id, c]));
    const back = new Set([...rows.upserts.values()].filter((f) => f.status === 'active' && known.get(f.customerId)?.stage === 'churned').map((f) => f.customerId));
    for (const id of back) {
      const stage = stageOnReturn(known.get(id)!.orderCount ?? 0);
      await customers.updateCustomer(id, { stage, updatedAt: now });
      const added = rows.timeline.find((r) => r.customerId === id && r.kind === 'contact_added');
      if (added) added.data = { ...added.data, stage, stageBefore: 'churned' };
    }
  }
  /** Who an add is: their external id in our corp, their unionid, the lead they came through; what WeCom told us about them. */
  private claimOf(p: PreparedAdd): PersonClaim {
    const d = p.detail;
    return {
      identities: [{ kind: 'wecom_external', scope: this.d.corpId, value: p.e.externalUserId }, ...(d?.unionid ? [{ kind: 'unionid' as const, scope: '', value: d.unionid }] : [])],
      ...(p.lead ? { customerId: p.lead.customerId } : {}),
      facts: {
        ...(d?.name ? { name: { value: d.name, source: 'wechat' as const } } : {}),
        ...(d?.avatar ? { avatar: d.avatar } : {}),
        ...(d?.gender ? { gender: d.gender } : {}),
        ...(p.channel?.storeId ? { storeId: p.channel.storeId } : {}),
        ...(p.channel ? { firstChannelId: p.channel.id } : {}),
        ownerUserId: p.e.userId,
      },
    };
  }

  private async sendWelcome(
    e: ContactEvent,
    ctx: EventContext,
    template: string,
    name: string | undefined,
    attachments: WelcomeAttachment[],
    deadline: number,
  ): Promise<SettledWelcome> {
    if (!e.welcomeCode) return { outcome: 'none' };
    if (this.d.clock.now() >= deadline) {
      this.d.metrics.welcome('expired');
      return { outcome: 'expired' };
    }
    try {
      await this.d.wecom.sendWelcome({ welcomeCode: e.welcomeCode, text: renderText(template, { name: name ?? '' }), attachments, deadline });
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
    const { customerId, lost } = await this.d.tx.transaction(async ({ customers }) => {
      // Edits, deletions and transfer failures name the person only by their external id.
      const person = await this.d.people.resolve(customers, { identities: [{ kind: 'wecom_external', scope: this.d.corpId, value: e.externalUserId }], facts: {} }, now);
      const id = person.customer.id;
      let lost: LostCustomer | undefined;
      let stageBefore: string | undefined;
      if (followStatus) {
        const at = e.createTime * 1000;
        const existing = await customers.findFollow(id, e.userId);
        // A deletion processed before its add leaves a row the add will not reactivate.
        if (!existing) await customers.upsertFollow({ customerId: id, staffUserId: e.userId, channelId: null, state: null, status: followStatus, addedAt: at, removedAt: at });
        else if (existing.addedAt <= at) await customers.updateFollowStatus(id, e.userId, followStatus, at);
        // No rep can reach them any more: they are lost (流失), once.
        const c = await customers.findCustomer(id);
        if (c && c.stage !== 'churned' && !c.mergedInto && isLost(await customers.listFollows(id))) {
          stageBefore = c.stage;
          await customers.updateCustomer(id, { stage: 'churned', updatedAt: now });
          lost = { customerId: id, customerName: c.name, storeId: c.storeId, ownerUserId: c.ownerUserId, staffUserId: e.userId, by: followStatus === 'deleted_by_staff' ? 'staff' : 'customer', eventId: ctx.eventId, at };
        }
      }
      await customers.insertTimeline({
        customerId: id,
        kind,
        channelId: null,
        staffUserId: e.userId,
        data: { changeType: e.changeType, ...extra, ...(stageBefore ? { stage: 'churned', stageBefore } : {}) },
        occurredAt: e.createTime * 1000,
        sourceEventId: ctx.eventId,
      });
      return { customerId: id, lost };
    });
    if (lost && this.d.onLost) await this.d.onLost(lost).catch((err: Error) => this.d.log.warn({ eventId: ctx.eventId, err: err.message }, 'lost-customer notices or journeys failed'));
    return { customerId, welcome: 'none' };
  }
}

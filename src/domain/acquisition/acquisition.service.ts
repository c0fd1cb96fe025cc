import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { ChannelRepo } from '../channel/channel.ports.js';
import { channelTagRefs } from '../channel/channel.service.js';
import type { Channel } from '../channel/channel.types.js';
import { IdentityTakenError, type CustomerRepo, type Transactor } from '../customer/customer.ports.js';
import type { FollowStatus, TimelineKind } from '../customer/customer.types.js';
import type { TagService } from '../tag/tag.service.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP, type Tag } from '../tag/tag.types.js';
import type { AcquisitionMetrics, ContactDetail, ContactGateway, WelcomeOutcome } from './acquisition.ports.js';
import type { ContactEvent } from './contact-event.js';

export interface AcquisitionDeps {
  corpId: string;
  channels: ChannelRepo;
  tx: Transactor<{ customers: CustomerRepo }>;
  tags: TagService;
  wecom: ContactGateway;
  metrics: AcquisitionMetrics;
  clock: Clock;
  log: Logger;
  defaultWelcome: string;
  /** How long a WelcomeCode is usable after the callback arrived (WeCom: 20 s). */
  welcomeWindowMs: number;
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
        return this.added(e, ctx);
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

  private async added(e: ContactEvent, ctx: EventContext): Promise<AcquisitionResult> {
    const deadline = ctx.receivedAt + this.d.welcomeWindowMs;
    const channel = e.state ? await this.d.channels.findChannelByCode(e.state) : undefined;
    let detail: ContactDetail | undefined;
    try {
      // Bounded so a slow WeCom still leaves time for the welcome.
      detail = await this.d.wecom.getContact(e.externalUserId, Math.min(deadline, this.d.clock.now() + 3000));
    } catch (err) {
      this.d.log.warn({ eventId: ctx.eventId, err: (err as Error).message }, 'contact detail unavailable, continuing without it');
    }

    const welcome = await this.sendWelcome(e, ctx, channel, detail, deadline);
    const tagRefs = channel ? channelTagRefs(channel) : [{ group: BEHAVIOUR_GROUP, name: BEHAVIOUR.added, kind: 'behaviour' as const }];
    const tags = await this.d.tags.ensure(tagRefs);

    const now = this.d.clock.now();
    const customerId = await this.inTx(async ({ customers }) => {
      const id = await this.resolveCustomer(customers, e, detail, channel, now);
      const addedAt = e.createTime * 1000;
      const existing = await customers.findFollow(id, e.userId);
      // Events can be processed out of order: a deletion newer than this add wins.
      if (!existing || existing.removedAt === null || existing.removedAt < addedAt) {
        await customers.upsertFollow({ customerId: id, staffUserId: e.userId, channelId: channel?.id ?? null, state: e.state ?? null, status: 'active', addedAt, removedAt: null });
      }
      const base = { customerId: id, channelId: channel?.id ?? null, staffUserId: e.userId, occurredAt: e.createTime * 1000, sourceEventId: ctx.eventId };
      await customers.insertTimeline({ ...base, kind: 'contact_added', data: { state: e.state ?? null, half: e.changeType === 'add_half_external_contact' } });
      if (welcome.outcome !== 'none') {
        const kind: TimelineKind = welcome.outcome === 'sent' || welcome.outcome === 'already_sent' ? 'welcome_sent' : welcome.outcome === 'expired' ? 'welcome_skipped' : 'welcome_failed';
        await customers.insertTimeline({ ...base, kind, occurredAt: now, data: { outcome: welcome.outcome, errcode: welcome.errcode ?? null, latencyMs: welcome.latencyMs ?? null } });
      }
      const added = await customers.addCustomerTags(id, tags.map((t) => t.id), channel ? `channel:${channel.id}` : 'wecom', now);
      if (added.length) {
        const names = tags.filter((t) => added.includes(t.id)).map((t) => `${t.group}/${t.name}`);
        await customers.insertTimeline({ ...base, kind: 'tags_added', occurredAt: now, data: { tags: names } });
      }
      return id;
    });

    await this.pushTags(e, tags);
    return { customerId, welcome: welcome.outcome };
  }

  private async sendWelcome(
    e: ContactEvent,
    ctx: EventContext,
    channel: Channel | undefined,
    detail: ContactDetail | undefined,
    deadline: number,
  ): Promise<{ outcome: WelcomeOutcome; errcode?: number; latencyMs?: number }> {
    if (!e.welcomeCode) return { outcome: 'none' };
    if (this.d.clock.now() >= deadline) {
      this.d.metrics.welcome('expired');
      return { outcome: 'expired' };
    }
    const template = channel && channel.status === 'active' ? channel.welcomeText : this.d.defaultWelcome;
    try {
      await this.d.wecom.sendWelcome({ welcomeCode: e.welcomeCode, text: renderWelcome(template, { name: detail?.name ?? '' }), deadline });
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
  private async inTx<T>(fn: (r: { customers: CustomerRepo }) => Promise<T>): Promise<T> {
    try {
      return await this.d.tx.transaction(fn);
    } catch (e) {
      if (!(e instanceof IdentityTakenError)) throw e;
      return this.d.tx.transaction(fn);
    }
  }
}

import type { Clock } from '../../shared/clock.js';
import { AppError, notFound } from '../../shared/errors.js';
import { shortCode } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { maskMobile, type PiiCipher } from '../../shared/pii.js';
import { DAY_MS, shanghaiDay, shanghaiDayStart } from '../../shared/shanghai-time.js';
import type { ChannelLookup } from '../channel/channel-lookup.js';
import type { ChannelRepo, ContactWayGateway } from '../channel/channel.ports.js';
import type { Channel } from '../channel/channel.types.js';
import { pickRep } from '../channel/routing.js';
import type { Transactor } from '../customer/customer.ports.js';
import type { IdentityService } from '../customer/identity.service.js';
import type { TagService } from '../tag/tag.service.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP, SOURCE_GROUP, type TagKind, type TagRef } from '../tag/tag.types.js';
import { countVisit, type VisitorMark } from './visits.js';
import type { LandingRepo, LandingTx, Lead, Mutex, RateLimiter } from './landing.ports.js';

/** The add events of a lead's own contact way carry this state prefix. */
export const LEAD_STATE_PREFIX = 'ld_';
export const PRIVACY_TEXT_VERSION = '2026-11';

export interface Visit {
  visitorId: string;
  ipHash: string;
  userAgent: string;
}

export interface LeadInput {
  name: string;
  /** Normalised 11-digit mobile. */
  phone: string;
  consent: true;
}

export interface LeadResult {
  /** The coupon code of the channel's offer, when it has one (the same code on every visit). */
  couponCode: string | null;
  couponTitle: string | null;
  leadId: number;
  customerId: number;
  /** The image URL of the QR code the person scans to add their rep. */
  qrCode: string | null;
  staffUserId: string;
  maskedPhone: string;
  repeated: boolean;
}

export interface LandingDeps {
  channels: ChannelRepo;
  lookup: ChannelLookup;
  landing: LandingRepo;
  tx: Transactor<LandingTx>;
  /** Finds or creates the person behind a phone (domain/customer/identity.service.ts). */
  people: IdentityService;
  tags: TagService;
  contactWays: ContactWayGateway;
  limiter: RateLimiter;
  mutex: Mutex;
  pii: PiiCipher;
  clock: Clock;
  log: Logger;
  limits?: { perIpPerHour: number; perVisitorPerHour: number };
}


/**
 * One person's submissions to one channel run one at a time, so a double tap makes one lead
 * and both answers show its QR. The lock covers the WeCom call for the lead's own contact way
 * (bounded by the client's retry deadline, well under the TTL).
 */
const SUBMIT_LOCK = { ttlMs: 30_000, waitMs: 10_000 };

/** Coupon codes people read aloud at the counter: upper case, without 0/O/1/L. */
const couponCodeFor = () => shortCode(10).toUpperCase();

const leadTags = (c: Channel): Array<TagRef & { kind: TagKind }> => [
  { group: SOURCE_GROUP, name: c.name, kind: 'attribute' },
  ...Object.entries(c.attributes).map(([group, name]) => ({ group, name, kind: 'attribute' as const })),
  ...c.tags.map((t) => ({ ...t, kind: 'attribute' as const })),
  { group: BEHAVIOUR_GROUP, name: BEHAVIOUR.scanned, kind: 'behaviour' },
  { group: BEHAVIOUR_GROUP, name: BEHAVIOUR.leftDetails, kind: 'behaviour' },
];

/**
 * The scan-to-lead landing page: counts scans, takes name + phone + consent, makes or finds
 * the customer, and gives the person a QR code of their own so the add that follows is linked
 * to this lead exactly (its `state` names the lead), not guessed from a name.
 */
export class LandingService {
  private readonly limits: { perIpPerHour: number; perVisitorPerHour: number };

  constructor(private readonly d: LandingDeps) {
    this.limits = d.limits ?? { perIpPerHour: 20, perVisitorPerHour: 5 };
  }

  /** The channel behind a landing code, or the reason there is no page (404 unknown, 410 paused). */
  async openChannel(code: string): Promise<Channel> {
    const c = code.startsWith('ch_') ? await this.d.lookup.byCode(code) : undefined;
    if (!c) throw notFound('LANDING.NOT_FOUND', '这个二维码不存在或已失效');
    const now = this.d.clock.now();
    if (c.status !== 'active' || (c.activeUntil !== null && now >= c.activeUntil)) throw new AppError('LANDING.CLOSED', '活动已结束，感谢您的关注', { status: 410 });
    if (c.activeFrom !== null && now < c.activeFrom) throw new AppError('LANDING.NOT_STARTED', '活动尚未开始，敬请期待', { status: 410 });
    return c;
  }

  /**
   * Counts a page view of an open channel; the visitor's first of the day on this channel counts
   * as a unique visitor. Returns the visitor's mark to keep in their cookie.
   */
  async recordScan(c: Channel, v: Visit, mark: VisitorMark): Promise<{ firstOfDay: boolean; mark: VisitorMark }> {
    const now = this.d.clock.now();
    const day = shanghaiDay(now);
    const counted = countVisit(mark, c.id, day);
    await this.d.landing.insertScan({ channelId: c.id, visitorId: v.visitorId, ipHash: v.ipHash, userAgent: v.userAgent.slice(0, 255), day, firstOfDay: counted.firstOfDay, createdAt: now });
    return counted;
  }

  async submitLead(code: string, input: LeadInput, v: Visit): Promise<LeadResult> {
    const c = await this.openChannel(code);
    const hourly = 3600_000;
    const ipOk = await this.d.limiter.hit(`lead:ip:${v.ipHash}`, this.limits.perIpPerHour, hourly);
    const visitorOk = await this.d.limiter.hit(`lead:v:${v.visitorId}`, this.limits.perVisitorPerHour, hourly);
    if (!ipOk || !visitorOk) throw new AppError('LANDING.TOO_MANY', '提交太频繁了，请稍后再试', { status: 429 });
    const phoneHash = this.d.pii.hash(input.phone);
    const done = await this.d.mutex.withLock(`lead:${c.id}:${phoneHash}`, SUBMIT_LOCK, () => this.makeLead(c, input, v, phoneHash));
    if (!done) throw new AppError('LANDING.BUSY', '提交的人有点多，请稍后再试', { status: 503, transient: true });
    return done.value;
  }

  private async makeLead(c: Channel, input: LeadInput, v: Visit, phoneHash: string): Promise<LeadResult> {
    const now = this.d.clock.now();
    const tags = await this.d.tags.ensure(leadTags(c));

    const found = await this.d.tx.transaction(async ({ customers, landing }) => {
      const person = await this.d.people.resolve(
        customers,
        {
          identities: [{ kind: 'phone_hash', scope: '', value: phoneHash }],
          facts: { name: { value: input.name, source: 'typed' }, ...(c.storeId !== null ? { storeId: c.storeId } : {}), firstChannelId: c.id },
          // One phone, one name: the same person again. One phone, another name: a family member
          // sharing the phone. A name alone never merges two people.
          accepts: (known) => known.name === '' || known.name === input.name,
        },
        now,
      );
      const customerId = person.customer.id;
      const open = person.created ? undefined : await landing.findOpenLead(customerId, c.id);
      return { customerId, open, sharedPhone: person.notAttached.length > 0 };
    });
    if (found.open) {
      // Submitting twice shows the same QR code again and records nothing new.
      const coupon = c.coupon ? await this.claim(c, found.customerId, now) : null;
      return { leadId: found.open.id, customerId: found.customerId, qrCode: found.open.qrCode, staffUserId: found.open.staffUserId, maskedPhone: maskMobile(input.phone), repeated: true, couponCode: coupon, couponTitle: c.coupon?.title ?? null };
    }

    // The person's own contact way: its state links the coming add to this lead exactly.
    const dayStart = shanghaiDayStart(now);
    const staffUserId = pickRep(c, await this.d.landing.leadsByRep(c.id, dayStart, dayStart + DAY_MS), now);
    const linkState = `${LEAD_STATE_PREFIX}${shortCode(16)}`;
    let way: { configId: string; qrCode: string } | undefined;
    try {
      way = await this.d.contactWays.addContactWay({ userids: [staffUserId], state: linkState, remark: `留资-${c.name}`.slice(0, 30) });
    } catch (e) {
      // The channel's own QR still works; the add is then linked by the channel's state only.
      this.d.log.warn({ channelId: c.id, err: (e as Error).message }, 'lead contact way not created; showing the channel QR');
    }

    const couponTag = c.coupon ? await this.d.tags.ensure([{ group: BEHAVIOUR_GROUP, name: BEHAVIOUR.claimedCoupon, kind: 'behaviour' }]) : [];
    const phoneEnc = this.d.pii.encrypt(input.phone);
    const { leadId, couponCode } = await this.d.tx.transaction(async ({ customers, landing }) => {
      await customers.setCustomerPhone(found.customerId, phoneEnc, input.phone.slice(-4), now);
      const id = await landing.insertLead({
        customerId: found.customerId,
        channelId: c.id,
        linkState,
        staffUserId,
        configId: way?.configId ?? null,
        qrCode: way?.qrCode ?? c.qrCode,
        visitorId: v.visitorId,
        name: input.name,
        phoneEnc,
        createdAt: now,
      });
      await landing.insertConsent({ customerId: found.customerId, purpose: 'privacy', textVersion: PRIVACY_TEXT_VERSION, source: `landing:${c.code}`, createdAt: now });
      const coupon = c.coupon ? await landing.claimCoupon({ customerId: found.customerId, channelId: c.id, offerKey: `channel:${c.id}`, code: couponCodeFor(), createdAt: now }) : null;
      const fresh = await customers.addCustomerTags(found.customerId, [...tags, ...couponTag].map((t) => t.id), `landing:${c.id}`, now);
      await customers.insertTimeline({
        customerId: found.customerId,
        kind: 'lead_submitted',
        channelId: c.id,
        staffUserId,
        data: { leadId: id, coupon: coupon?.fresh ? coupon.code : null, sharedPhone: found.sharedPhone, tags: [...tags, ...couponTag].filter((t) => fresh.includes(t.id)).map((t) => `${t.group}/${t.name}`) },
        occurredAt: now,
        sourceEventId: null,
      });
      return { leadId: id, couponCode: coupon?.code ?? null };
    });
    return { leadId, customerId: found.customerId, qrCode: way?.qrCode ?? c.qrCode, staffUserId, maskedPhone: maskMobile(input.phone), repeated: false, couponCode, couponTitle: c.coupon?.title ?? null };
  }

  private async claim(c: Channel, customerId: number, now: number): Promise<string> {
    return (await this.d.landing.claimCoupon({ customerId, channelId: c.id, offerKey: `channel:${c.id}`, code: couponCodeFor(), createdAt: now })).code;
  }

  /** Used by the acquisition flow: the lead an add event's state points at. */
  findLeadByState(state: string): Promise<Lead | undefined> {
    return state.startsWith(LEAD_STATE_PREFIX) ? this.d.landing.findLeadByState(state) : Promise.resolve(undefined);
  }
}

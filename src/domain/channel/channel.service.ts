import type { Clock } from '../../shared/clock.js';
import { AppError, badRequest, notFound } from '../../shared/errors.js';
import { shortCode } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { TagService } from '../tag/tag.service.js';
import { checkTemplate } from '../template/template-engine.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP, SOURCE_GROUP, type TagKind, type TagRef } from '../tag/tag.types.js';
import { PlacementTakenError, type ChannelListQuery, type ChannelRepo, type ContactWayGateway } from './channel.ports.js';
import { routingStrangers, sharedQrReps } from './routing.js';
import { DAY_MS, shanghaiDayStart } from '../../shared/shanghai-time.js';
import type { Channel, ChannelBatch, ChannelEdit, NewChannel } from './channel.types.js';
import { checkMatrixBounds, expandMatrix, placementKey } from './placement-matrix.js';

/** WeCom errcodes on contact-way calls that mean "these reps cannot receive customers". */
const BAD_STAFF = new Set([40003, 46004, 60111, 60011, 84074]);
/**
 * A batch channel still 'pending' this soon after it was written is taken to be in the hands of
 * the call that inserted it (its add_contact_way is under way); pushing it from a second call
 * would make WeCom a second contact way. Older pending rows are left over from a call that died
 * and are pushed again. Well above the WeCom client's retry deadline.
 */
const PENDING_GRACE_MS = 60_000;

export interface ChannelServiceDeps {
  channels: ChannelRepo;
  contactWays: ContactWayGateway;
  tags: TagService;
  clock: Clock;
  log: Logger;
  /** Told after a channel changed, so in-process caches of it can drop it at once (others expire within seconds). */
  onChange?: (c: Channel) => void;
  /** Whether a stored image exists (welcome image, mini-program cover). */
  assetExists?: (id: number) => Promise<boolean>;
}

/** The tags a channel puts on everyone it brings in: its source, its placement, its own tags, 已加微. */
export function channelTagRefs(c: Pick<Channel, 'name' | 'tags'> & { attributes?: Record<string, string> }): Array<TagRef & { kind: TagKind }> {
  return [
    { group: SOURCE_GROUP, name: c.name, kind: 'attribute' },
    ...Object.entries(c.attributes ?? {}).map(([group, name]) => ({ group, name, kind: 'attribute' as const })),
    ...c.tags.map((t) => ({ ...t, kind: 'attribute' as const })),
    { group: BEHAVIOUR_GROUP, name: BEHAVIOUR.added, kind: 'behaviour' },
  ];
}

export class ChannelService {
  /** The rep list last pushed to WeCom per channel by applyDailyCaps (pushed again after a restart). */
  private readonly pushedReps = new Map<number, string>();
  /** One shared-QR update per channel at a time in this process, each reading the counts committed before it. */
  private readonly sharedQrTurns = new Map<number, Promise<unknown>>();

  constructor(private readonly d: ChannelServiceDeps) {}

  /**
   * Daily caps and working hours for the channel's shared QR code. WeCom shares the customers of a contact way
   * among its reps by itself, so a rep who reached the cap today is taken off the contact way
   * (backups step in when every rep is full) and put back the next day. The add that brings a rep
   * to the cap takes them off at once (afterAdds, from the add processing); this minute job
   * catches the rest: hours starting and ending, the day turning, a push that failed. Reps' own
   * hours are applied the same way, and weights approximately (see sharedQrReps); landing-page
   * leads get a QR of the chosen rep, so there the split is exact.
   */
  async applyDailyCaps(): Promise<{ checked: number; updated: number }> {
    const channels = await this.d.channels.listCappedChannels();
    let updated = 0;
    for (const c of channels) if (await this.pushSharedQr(c)) updated++;
    return { checked: channels.length, updated };
  }

  /**
   * Called by the add processing once adds through these channels are committed: a rep the adds
   * brought to the daily cap leaves the shared QR now, not at the next minute. WeCom may still
   * give that rep the adds it routed before our update_contact_way reached it (README, "daily
   * caps"). Failures are logged; the minute job tries again.
   */
  async afterAdds(channelIds: number[]): Promise<void> {
    for (const id of new Set(channelIds)) {
      const c = await this.d.channels.findChannel(id);
      if (c && c.status === 'active' && c.syncState === 'synced' && c.routing?.dailyCap !== undefined) await this.pushSharedQr(c);
    }
  }

  /** Lists the reps sharedQrReps wants on the channel's contact way, when that differs from the last push; true when pushed. */
  private pushSharedQr(c: Channel): Promise<boolean> {
    const turn = (this.sharedQrTurns.get(c.id) ?? Promise.resolve()).then(async () => {
      const now = this.d.clock.now();
      const dayStart = shanghaiDayStart(now);
      const reps = sharedQrReps(c, await this.d.channels.addsByRep(c.id, dayStart, dayStart + DAY_MS), now);
      // An edit (new updatedAt) pushes its own list, so the cap is applied again after it.
      const key = `${c.updatedAt}:${reps.join('|')}`;
      if (this.pushedReps.get(c.id) === key || !c.configId) return false;
      try {
        await this.d.contactWays.updateContactWay({ configId: c.configId, userids: reps, remark: c.name });
        this.pushedReps.set(c.id, key);
        return true;
      } catch (e) {
        this.d.log.warn({ channelId: c.id, err: (e as Error).message }, 'daily cap not applied to the contact way');
        return false;
      }
    });
    const settled = turn.catch(() => undefined);
    this.sharedQrTurns.set(c.id, settled);
    void settled.then(() => {
      if (this.sharedQrTurns.get(c.id) === settled) this.sharedQrTurns.delete(c.id);
    });
    return turn;
  }


  /**
   * Creates a channel and its WeCom contact way (state = the channel code). If WeCom rejects
   * the reps, nothing is kept and the caller gets a 400; if WeCom is unreachable the channel
   * is kept with syncState 'failed' so it can be retried with `sync`.
   */
  async create(input: NewChannel, batch?: { batchKey: string; placementKey: string }): Promise<Channel> {
    const now = this.d.clock.now();
    if (input.activeFrom && input.activeUntil && input.activeUntil <= input.activeFrom) throw badRequest('CHANNEL.BAD_WINDOW', '结束时间需晚于开始时间');
    checkTemplate(input.welcomeText, 'welcome', '欢迎语');
    await this.checkAssets(input);
    this.checkRouting(input.staffUserIds, input.routing);
    if (input.storeId !== undefined && !(await this.d.channels.storeExists(input.storeId))) {
      throw badRequest('CHANNEL.STORE_NOT_FOUND', '门店不存在');
    }
    const channel = await this.d.channels.insertChannel({
      code: `ch_${shortCode(12)}`,
      name: input.name,
      kind: input.kind,
      storeId: input.storeId ?? null,
      staffUserIds: input.staffUserIds,
      welcomeText: input.welcomeText,
      welcomeLink: input.welcomeLink ?? null,
      welcomeImageAsset: input.welcomeImageAsset ?? null,
      welcomeMiniprogram: input.welcomeMiniprogram ?? null,
      tags: input.tags,
      attributes: input.attributes ?? {},
      offer: input.offer ?? null,
      activeFrom: input.activeFrom ?? null,
      activeUntil: input.activeUntil ?? null,
      coupon: input.coupon ?? null,
      routing: input.routing ?? null,
      batchKey: batch?.batchKey ?? null,
      placementKey: batch?.placementKey ?? null,
      status: 'active',
      configId: null,
      qrCode: null,
      syncState: 'pending',
      syncError: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.pushContactWay(channel, { recreate: true });
    } catch (e) {
      if (e instanceof AppError && !e.transient) {
        await this.d.channels.deleteChannel(channel.id);
        throw e;
      }
      this.d.log.warn({ channelId: channel.id, err: (e as Error).message }, 'channel saved, wecom contact way not created yet');
    }
    await this.d.channels.upsertStaff(input.staffUserIds, input.storeId ?? null, now);
    // Tags are best-effort here: they are ensured again when the first customer arrives.
    await this.d.tags.ensure(channelTagRefs(channel)).catch((e: Error) => this.d.log.warn({ err: e.message }, 'channel tags not ensured'));
    return (await this.d.channels.findChannel(channel.id))!;
  }

  /**
   * A placement matrix (e.g. buildings 1–12 × elevators A–D) as one channel per combination.
   * Repeating the same batch returns the channels it already made (and retries any whose
   * WeCom contact way is missing) instead of making new ones. Two identical calls at once are
   * settled per placement by the unique (batch, placement) key: both answer the same channels,
   * each made and pushed to WeCom once.
   */
  async createBatch(b: ChannelBatch): Promise<{ channels: Channel[]; created: number; existing: number }> {
    checkMatrixBounds(b.dimensions, b.namePattern);
    const combos = expandMatrix(b.dimensions);
    const names = combos.map((attrs) => b.namePattern.replace(/\{([^{}]+)\}/g, (m, label: string) => attrs[label] ?? m));
    const unknown = /\{([^{}]+)\}/.exec(names[0] ?? '');
    if (unknown) throw badRequest('CHANNEL.BATCH_PATTERN', `名称模板中的 {${unknown[1]}} 不是批量维度`);
    const tooLong = names.find((n) => [...n].length > 30);
    if (tooLong) throw badRequest('CHANNEL.BATCH_NAME_TOO_LONG', `渠道名称「${tooLong}」超过 30 个字`);
    if (new Set(names).size !== names.length) throw badRequest('CHANNEL.BATCH_NAMES_NOT_UNIQUE', '名称模板需包含每个维度，生成的渠道名称不能重复');

    const channels: Channel[] = [];
    let created = 0;
    let inFlight = false;
    for (let i = 0; i < combos.length; i++) {
      const attributes = combos[i]!;
      const key = placementKey(attributes);
      let existing = await this.d.channels.findChannelByPlacement(b.batchKey, key);
      if (!existing) {
        try {
          channels.push(await this.create({ ...b.template, name: names[i]!, attributes }, { batchKey: b.batchKey, placementKey: key }));
          created++;
          continue;
        } catch (e) {
          if (!(e instanceof PlacementTakenError)) throw e;
          // An identical call running at the same time inserted it between our lookup and our insert.
          existing = await this.d.channels.findChannelByPlacement(b.batchKey, key);
          if (!existing) throw e;
        }
      }
      if (existing.syncState === 'pending' && this.d.clock.now() - existing.updatedAt < PENDING_GRACE_MS) {
        inFlight = true;
        channels.push(existing);
      } else {
        channels.push(existing.syncState === 'synced' ? existing : await this.sync(existing.id).catch(() => existing));
      }
    }
    if (inFlight) {
      // Channels another call was still pushing are answered as they stand now, mostly synced by the end of our loop.
      const now = new Map((await this.d.channels.listChannelsByBatch(b.batchKey)).map((c) => [c.id, c]));
      return { channels: channels.map((c) => now.get(c.id) ?? c), created, existing: channels.length - created };
    }
    return { channels, created, existing: channels.length - created };
  }

  private checkRouting(staffUserIds: string[], routing: Channel['routing'] | undefined): void {
    const strangers = routingStrangers(staffUserIds, routing);
    if (strangers.length) throw badRequest('CHANNEL.ROUTING_UNKNOWN_REP', `分流规则里的成员不在本渠道的接待或备用成员中：${strangers.join('、')}`);
  }

  /**
   * Edits a channel. Changes WeCom must know (reps, name as remark) are pushed first: if WeCom
   * rejects the reps nothing is saved; if it is unreachable the edit is saved with syncState
   * 'failed' and `sync` pushes it later.
   */
  async edit(id: number, patch: ChannelEdit): Promise<Channel> {
    const c = await this.get(id);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ChannelEdit;
    const next: Channel = { ...c, ...defined, updatedAt: this.d.clock.now() };
    if (next.activeFrom && next.activeUntil && next.activeUntil <= next.activeFrom) throw badRequest('CHANNEL.BAD_WINDOW', '结束时间需晚于开始时间');
    if (patch.welcomeText !== undefined) checkTemplate(patch.welcomeText, 'welcome', '欢迎语');
    await this.checkAssets(patch);
    this.checkRouting(next.staffUserIds, next.routing);
    const wecomChanged =
      (patch.staffUserIds !== undefined && patch.staffUserIds.join('|') !== c.staffUserIds.join('|')) || (patch.name !== undefined && patch.name !== c.name);
    let sync: Pick<Channel, 'syncState' | 'syncError'> = { syncState: c.syncState, syncError: c.syncError };
    if (wecomChanged && c.configId) {
      try {
        await this.d.contactWays.updateContactWay({ configId: c.configId, userids: next.staffUserIds, remark: next.name });
        sync = { syncState: 'synced', syncError: null };
      } catch (e) {
        this.rethrowPermanent(e);
        sync = { syncState: 'failed', syncError: (e as Error).message.slice(0, 255) };
      }
    }
    await this.d.channels.updateChannel(id, {
      name: patch.name,
      staffUserIds: patch.staffUserIds,
      welcomeText: patch.welcomeText,
      welcomeLink: patch.welcomeLink,
      welcomeImageAsset: patch.welcomeImageAsset,
      welcomeMiniprogram: patch.welcomeMiniprogram,
      tags: patch.tags,
      attributes: patch.attributes,
      status: patch.status,
      offer: patch.offer,
      activeFrom: patch.activeFrom,
      activeUntil: patch.activeUntil,
      coupon: patch.coupon,
      routing: patch.routing,
      ...sync,
      updatedAt: next.updatedAt,
    });
    if (patch.staffUserIds) await this.d.channels.upsertStaff(patch.staffUserIds, c.storeId, next.updatedAt);
    if (patch.tags || patch.attributes || patch.name) {
      await this.d.tags.ensure(channelTagRefs(next)).catch((e: Error) => this.d.log.warn({ err: e.message }, 'channel tags not ensured'));
    }
    const saved = (await this.d.channels.findChannel(id))!;
    this.d.onChange?.(saved);
    return saved;
  }

  /**
   * Pushes a channel's contact way to WeCom if it is not synced; `force` creates a new one even
   * if it is (e.g. the sandbox emulator restarted and forgot it).
   */
  async sync(id: number, opts: { force?: boolean } = {}): Promise<Channel> {
    const c = await this.get(id);
    if (opts.force || c.syncState !== 'synced') await this.pushContactWay(c, { recreate: !!opts.force });
    return (await this.d.channels.findChannel(id))!;
  }

  /**
   * The retry behind syncState 'failed': pushes each unsynced channel again. A channel WeCom
   * refuses for good stays failed with the reason visible; nothing here throws.
   */
  async retryFailedSyncs(limit = 50): Promise<{ tried: number; synced: number }> {
    const due = await this.d.channels.listUnsynced(limit);
    let synced = 0;
    for (const c of due) {
      try {
        await this.pushContactWay(c, { recreate: !c.configId });
        synced++;
      } catch (e) {
        this.d.log.warn({ channelId: c.id, err: (e as Error).message }, 'channel sync retry failed');
        if (e instanceof AppError && !e.transient) {
          await this.d.channels.updateChannel(c.id, { syncState: 'failed', syncError: e.message.slice(0, 255), updatedAt: this.d.clock.now() });
        }
      }
    }
    return { tried: due.length, synced };
  }

  async get(id: number): Promise<Channel> {
    const c = await this.d.channels.findChannel(id);
    if (!c) throw notFound('CHANNEL.NOT_FOUND', '渠道不存在');
    return c;
  }

  /** The channel, or undefined when there is none (callers that answer their own "not found"). */
  findById(id: number): Promise<Channel | undefined> {
    return this.d.channels.findChannel(id);
  }

  list(q: ChannelListQuery) {
    return this.d.channels.listChannels(q);
  }

  async listBatch(batchKey: string): Promise<Channel[]> {
    const items = await this.d.channels.listChannelsByBatch(batchKey);
    if (!items.length) throw notFound('CHANNEL.BATCH_NOT_FOUND', '该批次不存在');
    return items;
  }

  findByCode(code: string) {
    return this.d.channels.findChannelByCode(code);
  }

  private async pushContactWay(c: Channel, opts: { recreate: boolean }): Promise<void> {
    try {
      if (c.configId && !opts.recreate) {
        await this.d.contactWays.updateContactWay({ configId: c.configId, userids: c.staffUserIds, remark: c.name });
        await this.d.channels.updateChannel(c.id, { syncState: 'synced', syncError: null, updatedAt: this.d.clock.now() });
      } else {
        const way = await this.d.contactWays.addContactWay({ userids: c.staffUserIds, state: c.code, remark: c.name });
        await this.d.channels.updateChannel(c.id, { syncState: 'synced', syncError: null, configId: way.configId, qrCode: way.qrCode, updatedAt: this.d.clock.now() });
      }
    } catch (e) {
      this.rethrowPermanent(e);
      await this.d.channels.updateChannel(c.id, { syncState: 'failed', syncError: (e as Error).message.slice(0, 255), updatedAt: this.d.clock.now() });
      throw e;
    }
  }

  private async checkAssets(p: { welcomeImageAsset?: number | null; welcomeMiniprogram?: { assetId: number } | null }): Promise<void> {
    for (const id of [p.welcomeImageAsset, p.welcomeMiniprogram?.assetId]) {
      if (id !== undefined && id !== null && !(await this.d.assetExists?.(id))) throw badRequest('CHANNEL.IMAGE_NOT_FOUND', '图片不存在，请先上传');
    }
  }

  /** Maps WeCom's refusals to a 400 the operator can act on; lets transient failures through. */
  private rethrowPermanent(e: unknown): void {
    const errcode = (e as { errcode?: number }).errcode;
    if (errcode !== undefined && BAD_STAFF.has(errcode)) {
      throw badRequest('CHANNEL.STAFF_INVALID', '接待成员不存在、未激活或未开启客户联系，请检查成员账号', { errcode });
    }
    if (e instanceof AppError && !e.transient) throw badRequest('CHANNEL.WECOM_REJECTED', '企业微信拒绝了该渠道的联系我配置', { errcode });
  }
}

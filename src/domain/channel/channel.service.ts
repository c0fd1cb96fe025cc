import type { Clock } from '../../shared/clock.js';
import { AppError, badRequest, notFound } from '../../shared/errors.js';
import { shortCode } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { TagService } from '../tag/tag.service.js';
import { BEHAVIOUR, BEHAVIOUR_GROUP, SOURCE_GROUP, type TagKind, type TagRef } from '../tag/tag.types.js';
import type { ChannelRepo, ContactWayGateway } from './channel.ports.js';
import type { Channel, NewChannel } from './channel.types.js';

/** WeCom errcodes on add_contact_way that mean "these reps cannot receive customers". */
const BAD_STAFF = new Set([40003, 46004, 60111, 60011, 84074]);

export interface ChannelServiceDeps {
  channels: ChannelRepo;
  contactWays: ContactWayGateway;
  tags: TagService;
  clock: Clock;
  log: Logger;
}

/** The tags a channel puts on everyone it brings in, in addition to its own. */
export function channelTagRefs(c: Pick<Channel, 'name' | 'tags'>): Array<TagRef & { kind: TagKind }> {
  return [
    { group: SOURCE_GROUP, name: c.name, kind: 'attribute' },
    ...c.tags.map((t) => ({ ...t, kind: 'attribute' as const })),
    { group: BEHAVIOUR_GROUP, name: BEHAVIOUR.added, kind: 'behaviour' },
  ];
}

export class ChannelService {
  constructor(private readonly d: ChannelServiceDeps) {}

  /**
   * Creates a channel and its WeCom contact way (state = the channel code). If WeCom rejects
   * the reps, nothing is kept and the caller gets a 400; if WeCom is unreachable the channel
   * is kept with syncState 'failed' so it can be retried with `sync`.
   */
  async create(input: NewChannel): Promise<Channel> {
    const now = this.d.clock.now();
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
      tags: input.tags,
      status: 'active',
      configId: null,
      qrCode: null,
      syncState: 'pending',
      syncError: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.pushContactWay(channel);
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
   * Retries creating the WeCom contact way of a channel that is not synced; `force` creates a
   * new one even if it is (e.g. the sandbox emulator restarted and forgot it).
   */
  async sync(id: number, opts: { force?: boolean } = {}): Promise<Channel> {
    const c = await this.get(id);
    if (opts.force || c.syncState !== 'synced') await this.pushContactWay(c);
    return (await this.d.channels.findChannel(id))!;
  }

  async get(id: number): Promise<Channel> {
    const c = await this.d.channels.findChannel(id);
    if (!c) throw notFound('CHANNEL.NOT_FOUND', '渠道不存在');
    return c;
  }

  list(q: { storeId?: number; limit: number; offset: number }) {
    return this.d.channels.listChannels(q);
  }

  findByCode(code: string) {
    return this.d.channels.findChannelByCode(code);
  }

  private async pushContactWay(c: Channel): Promise<void> {
    try {
      const way = await this.d.contactWays.addContactWay({ userids: c.staffUserIds, state: c.code, remark: c.name });
      await this.d.channels.updateChannelSync(c.id, { syncState: 'synced', syncError: null, configId: way.configId, qrCode: way.qrCode, updatedAt: this.d.clock.now() });
    } catch (e) {
      const errcode = (e as { errcode?: number }).errcode;
      if (errcode !== undefined && BAD_STAFF.has(errcode)) {
        throw badRequest('CHANNEL.STAFF_INVALID', '接待成员不存在、未激活或未开启客户联系，请检查成员账号', { errcode });
      }
      if (e instanceof AppError && !e.transient) throw badRequest('CHANNEL.WECOM_REJECTED', '企业微信拒绝创建联系我二维码', { errcode });
      await this.d.channels.updateChannelSync(c.id, { syncState: 'failed', syncError: (e as Error).message.slice(0, 255), updatedAt: this.d.clock.now() });
      throw e;
    }
  }
}

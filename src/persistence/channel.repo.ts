import type { Knex } from 'knex';
import { PlacementTakenError, type ChannelListQuery, type ChannelPatch, type ChannelRepo } from '../domain/channel/channel.ports.js';
import { isDuplicate } from './db-errors.js';
import { likeFragment } from './db.js';
import type { Channel, ChannelKind, ChannelStatus, SyncState } from '../domain/channel/channel.types.js';

interface ChannelRow {
  id: number;
  code: string;
  name: string;
  kind: ChannelKind;
  store_id: number | null;
  staff_userids: string;
  welcome_text: string;
  welcome_link: string | null;
  welcome_image_asset: number | null;
  welcome_miniprogram: string | null;
  tags: string;
  attributes: string;
  batch_key: string | null;
  placement_key: string | null;
  status: ChannelStatus;
  offer: string | null;
  active_from: number | null;
  active_until: number | null;
  coupon: string | null;
  routing: string | null;
  wecom_config_id: string | null;
  qr_code_url: string | null;
  sync_state: SyncState;
  sync_error: string | null;
  created_at: number;
  updated_at: number;
}

const toChannel = (r: ChannelRow): Channel => ({
  id: Number(r.id),
  code: r.code,
  name: r.name,
  kind: r.kind,
  storeId: r.store_id === null ? null : Number(r.store_id),
  staffUserIds: JSON.parse(r.staff_userids) as string[],
  welcomeText: r.welcome_text,
  welcomeLink: r.welcome_link === null ? null : (JSON.parse(r.welcome_link) as Channel['welcomeLink']),
  welcomeImageAsset: r.welcome_image_asset === null ? null : Number(r.welcome_image_asset),
  welcomeMiniprogram: r.welcome_miniprogram === null ? null : (JSON.parse(r.welcome_miniprogram) as Channel['welcomeMiniprogram']),
  tags: JSON.parse(r.tags) as Channel['tags'],
  attributes: JSON.parse(r.attributes) as Channel['attributes'],
  batchKey: r.batch_key,
  placementKey: r.placement_key,
  status: r.status,
  offer: r.offer,
  activeFrom: r.active_from === null ? null : Number(r.active_from),
  activeUntil: r.active_until === null ? null : Number(r.active_until),
  coupon: r.coupon === null ? null : (JSON.parse(r.coupon) as Channel['coupon']),
  routing: r.routing === null ? null : (JSON.parse(r.routing) as Channel['routing']),
  configId: r.wecom_config_id,
  qrCode: r.qr_code_url,
  syncState: r.sync_state,
  syncError: r.sync_error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export class SqlChannelRepo implements ChannelRepo {
  constructor(private readonly db: Knex) {}

  async insertChannel(c: Omit<Channel, 'id'>): Promise<Channel> {
    const [id] = await this.db('channels')
      .insert({
        code: c.code,
        name: c.name,
        kind: c.kind,
        store_id: c.storeId,
        staff_userids: JSON.stringify(c.staffUserIds),
        welcome_text: c.welcomeText,
        welcome_link: c.welcomeLink === null ? null : JSON.stringify(c.welcomeLink),
        welcome_image_asset: c.welcomeImageAsset,
        welcome_miniprogram: c.welcomeMiniprogram === null ? null : JSON.stringify(c.welcomeMiniprogram),
        tags: JSON.stringify(c.tags),
        attributes: JSON.stringify(c.attributes),
        batch_key: c.batchKey,
        placement_key: c.placementKey,
        status: c.status,
        offer: c.offer,
        active_from: c.activeFrom,
        active_until: c.activeUntil,
        coupon: c.coupon === null ? null : JSON.stringify(c.coupon),
        routing: c.routing === null ? null : JSON.stringify(c.routing),
        wecom_config_id: c.configId,
        qr_code_url: c.qrCode,
        sync_state: c.syncState,
        sync_error: c.syncError,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .catch((e: unknown) => {
        // Codes are random, so the only unique key a duplicate can hit in practice is (batch, placement).
        if (isDuplicate(e) && c.batchKey !== null) throw new PlacementTakenError();
        throw e;
      });
    return { ...c, id: Number(id) };
  }

  async findChannel(id: number): Promise<Channel | undefined> {
    const r = await this.db<ChannelRow>('channels').where({ id }).first();
    return r && toChannel(r);
  }

  async findChannelByCode(code: string): Promise<Channel | undefined> {
    const r = await this.db<ChannelRow>('channels').where({ code }).first();
    return r && toChannel(r);
  }

  async findChannelByPlacement(batchKey: string, placementKey: string): Promise<Channel | undefined> {
    const r = await this.db<ChannelRow>('channels').where({ batch_key: batchKey, placement_key: placementKey }).first();
    return r && toChannel(r);
  }

  async listChannelsByBatch(batchKey: string): Promise<Channel[]> {
    return (await this.db<ChannelRow>('channels').where({ batch_key: batchKey }).orderBy('id')).map(toChannel);
  }

  async listCappedChannels(): Promise<Channel[]> {
    const rows = await this.db<ChannelRow>('channels').where({ status: 'active', sync_state: 'synced' }).whereNotNull('routing');
    return rows.map(toChannel).filter((c) => c.routing?.dailyCap !== undefined || c.routing?.hours !== undefined || c.routing?.repHours !== undefined || c.routing?.rule === 'weighted');
  }

  async addsByRep(channelId: number, from: number, to: number): Promise<Map<string, number>> {
    const rows = await this.db('customer_follows')
      .where({ channel_id: channelId })
      .andWhere('added_at', '>=', from)
      .andWhere('added_at', '<', to)
      .groupBy('staff_userid')
      .select('staff_userid')
      .countDistinct({ n: 'customer_id' });
    return new Map((rows as Array<{ staff_userid: string; n: number | string }>).map((r) => [r.staff_userid, Number(r.n)]));
  }

  async listUnsynced(limit: number): Promise<Channel[]> {
    return (await this.db<ChannelRow>('channels').where({ sync_state: 'failed' }).orderBy('updated_at').limit(limit)).map(toChannel);
  }

  async updateChannel(id: number, p: ChannelPatch): Promise<void> {
    const row: Record<string, unknown> = { updated_at: p.updatedAt };
    if (p.name !== undefined) row.name = p.name;
    if (p.staffUserIds !== undefined) row.staff_userids = JSON.stringify(p.staffUserIds);
    if (p.welcomeText !== undefined) row.welcome_text = p.welcomeText;
    if (p.welcomeLink !== undefined) row.welcome_link = p.welcomeLink === null ? null : JSON.stringify(p.welcomeLink);
    if (p.welcomeImageAsset !== undefined) row.welcome_image_asset = p.welcomeImageAsset;
    if (p.welcomeMiniprogram !== undefined) row.welcome_miniprogram = p.welcomeMiniprogram === null ? null : JSON.stringify(p.welcomeMiniprogram);
    if (p.tags !== undefined) row.tags = JSON.stringify(p.tags);
    if (p.attributes !== undefined) row.attributes = JSON.stringify(p.attributes);
    if (p.status !== undefined) row.status = p.status;
    if (p.offer !== undefined) row.offer = p.offer;
    if (p.activeFrom !== undefined) row.active_from = p.activeFrom;
    if (p.activeUntil !== undefined) row.active_until = p.activeUntil;
    if (p.coupon !== undefined) row.coupon = p.coupon === null ? null : JSON.stringify(p.coupon);
    if (p.routing !== undefined) row.routing = p.routing === null ? null : JSON.stringify(p.routing);
    if (p.syncState !== undefined) row.sync_state = p.syncState;
    if (p.syncError !== undefined) row.sync_error = p.syncError;
    if (p.configId !== undefined) row.wecom_config_id = p.configId;
    if (p.qrCode !== undefined) row.qr_code_url = p.qrCode;
    await this.db('channels').where({ id }).update(row);
  }

  async listChannels(q: ChannelListQuery): Promise<{ items: Channel[]; total: number }> {
    const base = this.db<ChannelRow>('channels').modify((b) => {
      if (q.storeId !== undefined) b.where({ store_id: q.storeId });
      if (q.status) b.where({ status: q.status });
      // staff_userids is a JSON array of strings, so a quoted id matches exactly one element.
      if (q.staffUserId) b.whereRaw("staff_userids like ? escape '!'", [likeFragment(JSON.stringify(q.staffUserId))]);
      if (q.q) b.whereRaw("name like ? escape '!'", [likeFragment(q.q)]);
    });
    const [rows, count] = await Promise.all([
      base.clone().orderBy('id', 'desc').limit(q.limit).offset(q.offset),
      base.clone().count({ n: '*' }).first(),
    ]);
    return { items: rows.map(toChannel), total: Number((count as { n: number | string } | undefined)?.n ?? 0) };
  }

  async updateChannelSync(id: number, p: { syncState: SyncState; syncError: string | null; configId?: string; qrCode?: string; updatedAt: number }): Promise<void> {
    await this.db('channels')
      .where({ id })
      .update({
        sync_state: p.syncState,
        sync_error: p.syncError,
        updated_at: p.updatedAt,
        ...(p.configId !== undefined ? { wecom_config_id: p.configId } : {}),
        ...(p.qrCode !== undefined ? { qr_code_url: p.qrCode } : {}),
      });
  }

  async deleteChannel(id: number): Promise<void> {
    await this.db('channels').where({ id }).delete();
  }

  async storeExists(id: number): Promise<boolean> {
    return !!(await this.db('stores').where({ id }).first('id'));
  }

  async upsertStaff(userids: string[], storeId: number | null, now: number): Promise<void> {
    if (!userids.length) return;
    await this.db('staff')
      .insert(userids.map((u) => ({ wecom_userid: u, store_id: storeId, role: 'rep', active: true, created_at: now })))
      .onConflict('wecom_userid')
      .ignore();
  }
}

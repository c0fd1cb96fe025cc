import type { Knex } from 'knex';
import type { ChannelRepo } from '../domain/channel/channel.ports.js';
import type { Channel, ChannelKind, ChannelStatus, SyncState } from '../domain/channel/channel.types.js';

interface ChannelRow {
  id: number;
  code: string;
  name: string;
  kind: ChannelKind;
  store_id: number | null;
  staff_userids: string;
  welcome_text: string;
  tags: string;
  status: ChannelStatus;
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
  tags: JSON.parse(r.tags) as Channel['tags'],
  status: r.status,
  configId: r.wecom_config_id,
  qrCode: r.qr_code_url,
  syncState: r.sync_state,
  syncError: r.sync_error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export class ChannelStore implements ChannelRepo {
  constructor(private readonly db: Knex) {}

  async insertChannel(c: Omit<Channel, 'id'>): Promise<Channel> {
    const [id] = await this.db('channels').insert({
      code: c.code,
      name: c.name,
      kind: c.kind,
      store_id: c.storeId,
      staff_userids: JSON.stringify(c.staffUserIds),
      welcome_text: c.welcomeText,
      tags: JSON.stringify(c.tags),
      status: c.status,
      wecom_config_id: c.configId,
      qr_code_url: c.qrCode,
      sync_state: c.syncState,
      sync_error: c.syncError,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
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

  async listChannels(q: { storeId?: number; limit: number; offset: number }): Promise<{ items: Channel[]; total: number }> {
    const base = this.db<ChannelRow>('channels').modify((b) => {
      if (q.storeId !== undefined) b.where({ store_id: q.storeId });
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

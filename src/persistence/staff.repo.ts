import type { Knex } from 'knex';
import type { Staff, StaffRepo } from '../domain/staff/staff.service.js';
import type { BotStaffRepo } from '../domain/staff/staff-directory.js';

export const toStaff = (r: Record<string, any>): Staff => ({
  id: Number(r.id),
  wecomUserId: r.wecom_userid,
  name: r.name,
  storeId: r.store_id === null ? null : Number(r.store_id),
  role: r.role,
  active: !!r.active,
  botContactId: r.bot_contact_id ?? null,
});

export class SqlStaffRepo implements StaffRepo, BotStaffRepo {
  constructor(private readonly db: Knex) {}

  async upsertStaff(s: Omit<Staff, 'id'>, now: number): Promise<number> {
    const row = { wecom_userid: s.wecomUserId, name: s.name, store_id: s.storeId, role: s.role, active: s.active, bot_contact_id: s.botContactId };
    await this.db('staff').insert({ ...row, created_at: now }).onConflict('wecom_userid').merge(row);
    const r = await this.db('staff').where({ wecom_userid: s.wecomUserId }).first('id');
    return Number(r.id);
  }

  async findStaffByUserId(wecomUserId: string): Promise<Staff | undefined> {
    const r = await this.db('staff').where({ wecom_userid: wecomUserId }).first();
    return r && toStaff(r);
  }

  async findStaffByBotContact(botContactId: string): Promise<Staff | undefined> {
    const r = await this.db('staff').where({ bot_contact_id: botContactId }).first();
    return r && toStaff(r);
  }

  async listBotStaff() {
    const rows = await this.db('staff').where({ active: true }).whereNotNull('bot_contact_id');
    return rows.map((r) => ({ userId: r.wecom_userid as string, name: r.name as string, storeId: r.store_id === null ? null : Number(r.store_id), role: r.role as string, botContactId: r.bot_contact_id as string }));
  }

  async listStaff(q: { storeId?: number }): Promise<Staff[]> {
    const query = this.db('staff').orderBy('id');
    if (q.storeId !== undefined) query.where({ store_id: q.storeId });
    return (await query).map(toStaff);
  }
}

import type { Knex } from 'knex';
import type { Transactor } from '../domain/customer/customer.ports.js';
import type { MpAuthRepo, MpStaff, RefreshTokenRow } from '../domain/mp/mp-auth.ports.js';
import { isDuplicate } from './db-errors.js';
import { toStaff } from './staff.repo.js';

const toMpStaff = (r: Record<string, any>): MpStaff => ({ ...toStaff(r), tokenVersion: Number(r.token_version) });

const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export class SqlMpAuthRepo implements MpAuthRepo {
  constructor(private readonly db: Knex) {}

  async findStaffById(id: number): Promise<MpStaff | undefined> {
    const r = await this.db('staff').where({ id }).first();
    return r && toMpStaff(r);
  }

  async findStaffByUserId(wecomUserId: string): Promise<MpStaff | undefined> {
    const r = await this.db('staff').where({ wecom_userid: wecomUserId }).first();
    return r && toMpStaff(r);
  }

  async findStaffByOpenid(openid: string): Promise<MpStaff | undefined> {
    const r = await this.db('staff_openids').join('staff', 'staff.id', 'staff_openids.staff_id').where({ 'staff_openids.openid': openid }).first('staff.*');
    return r && toMpStaff(r);
  }

  async bumpTokenVersion(staffId: number): Promise<void> {
    await this.db('staff').where({ id: staffId }).increment('token_version', 1);
  }

  async insertInvite(i: { codeHash: string; staffId: number; expiresAt: number; createdAt: number }): Promise<void> {
    await this.db('staff_invites').insert({ code_hash: i.codeHash, staff_id: i.staffId, expires_at: i.expiresAt, created_at: i.createdAt });
  }

  async takeInvite(codeHash: string, openid: string, now: number): Promise<number | undefined> {
    // The conditional UPDATE is the single-use guarantee: of two racing binds one changes the row.
    const n = await this.db('staff_invites')
      .where({ code_hash: codeHash })
      .whereNull('used_at')
      .andWhere('expires_at', '>', now)
      .update({ used_at: now, used_by_openid: openid });
    if (n === 0) return undefined;
    const r = await this.db('staff_invites').where({ code_hash: codeHash }).first('staff_id');
    return Number(r.staff_id);
  }

  async insertOpenid(b: { openid: string; unionid: string | null; staffId: number; createdAt: number }): Promise<boolean> {
    try {
      await this.db('staff_openids').insert({ openid: b.openid, unionid: b.unionid, staff_id: b.staffId, created_at: b.createdAt });
      return true;
    } catch (e) {
      if (isDuplicate(e)) return false;
      throw e;
    }
  }

  async insertRefreshToken(r: { tokenHash: string; familyId: string; staffId: number; expiresAt: number; createdAt: number }): Promise<void> {
    await this.db('mp_refresh_tokens').insert({ token_hash: r.tokenHash, family_id: r.familyId, staff_id: r.staffId, expires_at: r.expiresAt, created_at: r.createdAt });
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const r = await this.db('mp_refresh_tokens').where({ token_hash: tokenHash }).first();
    return r && { id: Number(r.id), familyId: r.family_id, staffId: Number(r.staff_id), expiresAt: Number(r.expires_at), rotatedAt: nn(r.rotated_at), revokedAt: nn(r.revoked_at) };
  }

  async rotateRefreshToken(id: number, now: number): Promise<boolean> {
    const n = await this.db('mp_refresh_tokens').where({ id }).whereNull('rotated_at').whereNull('revoked_at').update({ rotated_at: now });
    return n > 0;
  }

  async revokeAllOf(staffId: number, now: number): Promise<void> {
    await this.db('mp_refresh_tokens').where({ staff_id: staffId }).whereNull('revoked_at').update({ revoked_at: now });
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.db('mp_refresh_tokens').where({ family_id: familyId }).whereNull('revoked_at').update({ revoked_at: now });
  }
}

export function mpAuthTransactor(db: Knex): Transactor<MpAuthRepo> {
  return { transaction: <T>(fn: (r: MpAuthRepo) => Promise<T>): Promise<T> => db.transaction((trx) => fn(new SqlMpAuthRepo(trx))) };
}

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AppError, conflict, notFound, unauthorized } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Principal } from '../access/access.js';
import type { Transactor } from '../customer/customer.ports.js';
import type { StaffRole } from '../staff/staff.service.js';
import type { MpAuthRepo, MpStaff, TokenCodec, WindowLimiter } from './mp-auth.ports.js';
import { enforceLimit, MP_LIMITS } from './rate-limits.js';

export const ACCESS_TTL_MS = 15 * 60_000;
export const REFRESH_TTL_MS = 30 * 24 * 3_600_000;
export const BIND_TTL_MS = 10 * 60_000;
export const INVITE_TTL_MS = 72 * 3_600_000;

const ACCESS_AUD = 'mp';
const BIND_AUD = 'mp-bind';
// No 0/O/1/I: the code is read out or typed by hand.
const INVITE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const INVITE_LENGTH = 10;

export interface MpSession {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  staff: { name: string; role: StaffRole; storeId: number | null };
}

export type LoginResult = ({ needsBinding: false } & MpSession) | { needsBinding: true; bindToken: string; bindTokenExpiresAt: number };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const normaliseInvite = (s: string) => s.toUpperCase().replace(/[\s-]/g, '');
const denied = () => unauthorized('MP.UNAUTHORIZED', '登录已失效，请重新登录');

/**
 * Mini-program login for store staff. wx.login's code is exchanged with WeChat for the openid;
 * a bound openid of an active staff member gets a 15-minute access JWT (staff id, role, store,
 * token version) and a 30-day opaque refresh token (stored hashed, rotated on every use; a
 * rotated one presented again revokes its family and every access token of the staff member).
 * Every authenticated request re-reads the staff row, so disabling someone works at once.
 */
export class MpAuthService {
  constructor(
    private readonly d: {
      repo: MpAuthRepo;
      tx: Transactor<MpAuthRepo>;
      wechat: { code2Session(code: string): Promise<{ openid: string; unionid?: string }> };
      tokens: TokenCodec;
      clock: Clock;
      log: Logger;
      /** Per-subject limits (per WeChat user, per refresh token); none when absent. */
      limiter?: WindowLimiter;
    },
  ) {}

  async login(code: string): Promise<LoginResult> {
    const s = await this.d.wechat.code2Session(code);
    await enforceLimit(this.d.limiter, `mp:login:o:${sha256(s.openid).slice(0, 32)}`, MP_LIMITS.loginPerOpenid);
    const staff = await this.d.repo.findStaffByOpenid(s.openid);
    if (staff && !staff.active) throw new AppError('MP.STAFF_DISABLED', '账号已停用，请联系管理员', { status: 403 });
    if (staff) return { needsBinding: false, ...(await this.issue(this.d.repo, staff, undefined)).session };
    const now = this.d.clock.now();
    return {
      needsBinding: true,
      bindToken: this.d.tokens.sign({ openid: s.openid, ...(s.unionid ? { unionid: s.unionid } : {}) }, BIND_AUD, now, BIND_TTL_MS),
      bindTokenExpiresAt: now + BIND_TTL_MS,
    };
  }

  /** Binds the WeChat user behind the bind token to the staff member the invite names, then logs in. */
  async bind(bindToken: string, inviteCode: string): Promise<MpSession> {
    const now = this.d.clock.now();
    const claims = this.d.tokens.verify(bindToken, BIND_AUD, now);
    if (!claims || typeof claims.openid !== 'string') throw unauthorized('MP.BIND_TOKEN_INVALID', '绑定凭证无效或已过期，请重新登录');
    const openid = claims.openid;
    // Before the invite is looked at: guessing codes for one WeChat user stops here.
    await enforceLimit(this.d.limiter, `mp:bind:o:${sha256(openid).slice(0, 32)}`, MP_LIMITS.bindPerOpenid);
    const unionid = typeof claims.unionid === 'string' ? claims.unionid : null;
    const session = await this.d.tx.transaction(async (repo) => {
      const staffId = await repo.takeInvite(sha256(normaliseInvite(inviteCode)), openid, now);
      if (staffId === undefined) throw new AppError('MP.INVITE_INVALID', '邀请码无效、已使用或已过期', { status: 400 });
      const staff = await repo.findStaffById(staffId);
      if (!staff?.active) throw new AppError('MP.STAFF_DISABLED', '账号已停用，请联系管理员', { status: 403 });
      if (!(await repo.insertOpenid({ openid, unionid, staffId, createdAt: now }))) throw conflict('MP.ALREADY_BOUND', '该微信已绑定员工账号，请直接登录');
      return this.issue(repo, staff, undefined);
    });
    this.d.log.info({ staffId: session.staffId }, 'mini-program openid bound');
    return session.session;
  }

  /** A new pair for a live refresh token; the old one stops working. */
  async refresh(refreshToken: string): Promise<MpSession> {
    const now = this.d.clock.now();
    const hash = sha256(refreshToken);
    await enforceLimit(this.d.limiter, `mp:refresh:t:${hash.slice(0, 32)}`, MP_LIMITS.refreshPerToken);
    const outcome = await this.d.tx.transaction(async (repo) => {
      const row = await repo.findRefreshToken(hash);
      if (!row || row.revokedAt !== null || row.expiresAt <= now) return { kind: 'invalid' as const };
      if (row.rotatedAt !== null || !(await repo.rotateRefreshToken(row.id, now))) {
        // Presented after it was rotated: whoever holds the family is not only the owner.
        await repo.revokeFamily(row.familyId, now);
        await repo.bumpTokenVersion(row.staffId);
        return { kind: 'reused' as const, staffId: row.staffId };
      }
      const staff = await repo.findStaffById(row.staffId);
      if (!staff?.active) return { kind: 'invalid' as const };
      return { kind: 'ok' as const, ...(await this.issue(repo, staff, row.familyId)) };
    });
    if (outcome.kind === 'reused') {
      this.d.log.warn({ staffId: outcome.staffId }, 'rotated refresh token reused; family revoked');
      throw unauthorized('MP.REFRESH_REUSED', '登录凭证已失效，请重新登录');
    }
    if (outcome.kind === 'invalid') throw unauthorized('MP.REFRESH_INVALID', '登录凭证无效或已过期，请重新登录');
    return outcome.session;
  }

  /**
   * Ends the session of the given refresh token (when it is the caller's) and every access
   * token of the caller; other devices get a new access token with their own refresh token.
   */
  async logout(p: Principal, refreshToken: string | undefined): Promise<void> {
    const now = this.d.clock.now();
    await this.d.tx.transaction(async (repo) => {
      const row = refreshToken ? await repo.findRefreshToken(sha256(refreshToken)) : undefined;
      if (row && row.staffId === p.staffId) await repo.revokeFamily(row.familyId, now);
      await repo.bumpTokenVersion(p.staffId);
    });
  }

  /**
   * Ends every login of a staff member (they were disabled): enabling them again later does not
   * bring old tokens back; they log in anew.
   */
  async revokeAll(staffId: number): Promise<void> {
    const now = this.d.clock.now();
    await this.d.tx.transaction(async (repo) => {
      await repo.revokeAllOf(staffId, now);
      await repo.bumpTokenVersion(staffId);
    });
  }

  /** The principal of a valid access token of an active staff member, read fresh from the staff row. */
  async authenticate(accessToken: string): Promise<Principal> {
    const claims = this.d.tokens.verify(accessToken, ACCESS_AUD, this.d.clock.now());
    const staffId = Number(claims?.sub);
    if (!claims || !Number.isSafeInteger(staffId)) throw denied();
    const staff = await this.d.repo.findStaffById(staffId);
    if (!staff?.active || staff.tokenVersion !== claims.ver) throw denied();
    return { staffId: staff.id, wecomUserId: staff.wecomUserId, name: staff.name, role: staff.role, storeId: staff.storeId };
  }

  /** An invite code for binding this staff member's WeChat; shown once, stored as a hash. */
  async issueInvite(wecomUserId: string): Promise<{ inviteCode: string; expiresAt: number }> {
    const staff = await this.d.repo.findStaffByUserId(wecomUserId);
    if (!staff) throw notFound('STAFF.NOT_FOUND', '员工不存在');
    if (!staff.active) throw conflict('STAFF.INACTIVE', '员工已停用，不能发放邀请码');
    const now = this.d.clock.now();
    const inviteCode = Array.from({ length: INVITE_LENGTH }, () => INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)]).join('');
    const expiresAt = now + INVITE_TTL_MS;
    await this.d.repo.insertInvite({ codeHash: sha256(inviteCode), staffId: staff.id, expiresAt, createdAt: now });
    return { inviteCode, expiresAt };
  }

  private async issue(repo: MpAuthRepo, staff: MpStaff, familyId: string | undefined): Promise<{ staffId: number; session: MpSession }> {
    const now = this.d.clock.now();
    const refreshToken = randomBytes(32).toString('base64url');
    await repo.insertRefreshToken({ tokenHash: sha256(refreshToken), familyId: familyId ?? randomBytes(16).toString('hex'), staffId: staff.id, expiresAt: now + REFRESH_TTL_MS, createdAt: now });
    return {
      staffId: staff.id,
      session: {
        accessToken: this.d.tokens.sign({ sub: String(staff.id), role: staff.role, storeId: staff.storeId, ver: staff.tokenVersion }, ACCESS_AUD, now, ACCESS_TTL_MS),
        accessTokenExpiresAt: now + ACCESS_TTL_MS,
        refreshToken,
        refreshTokenExpiresAt: now + REFRESH_TTL_MS,
        staff: { name: staff.name, role: staff.role, storeId: staff.storeId },
      },
    };
  }
}

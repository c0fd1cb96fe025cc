import type { Staff } from '../staff/staff.service.js';

export type MpStaff = Staff & { tokenVersion: number };

export interface RefreshTokenRow {
  id: number;
  familyId: string;
  staffId: number;
  expiresAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
}

/** Storage of mini-program logins: bound openids, invites, refresh tokens (hashes only). */
export interface MpAuthRepo {
  findStaffById(id: number): Promise<MpStaff | undefined>;
  findStaffByUserId(wecomUserId: string): Promise<MpStaff | undefined>;
  findStaffByOpenid(openid: string): Promise<MpStaff | undefined>;
  /** Makes every access token issued so far to this staff member invalid. */
  bumpTokenVersion(staffId: number): Promise<void>;
  insertInvite(i: { codeHash: string; staffId: number; expiresAt: number; createdAt: number }): Promise<void>;
  /** Marks an unused, unexpired invite used by this openid; its staff id, or undefined when there is none. */
  takeInvite(codeHash: string, openid: string, now: number): Promise<number | undefined>;
  /** Binds the openid; false when it is already bound (to anyone). */
  insertOpenid(b: { openid: string; unionid: string | null; staffId: number; createdAt: number }): Promise<boolean>;
  insertRefreshToken(r: { tokenHash: string; familyId: string; staffId: number; expiresAt: number; createdAt: number }): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined>;
  /** Marks a live token rotated; false when it was rotated or revoked already (by a racing request). */
  rotateRefreshToken(id: number, now: number): Promise<boolean>;
  revokeFamily(familyId: string, now: number): Promise<void>;
  revokeAllOf(staffId: number, now: number): Promise<void>;
}

/** Signs and checks compact tokens (JWT HS256) for one audience; times in ms of the injected clock. */
export interface TokenCodec {
  sign(payload: Record<string, unknown>, audience: string, nowMs: number, ttlMs: number): string;
  /** The payload, or undefined for a bad signature, another audience or an expired token. */
  verify(token: string, audience: string, nowMs: number): Record<string, unknown> | undefined;
}

/**
 * Fixed-window rate limits shared by every process (the cache: Redis or in-process). `take`
 * counts one hit; `allowed` is false once more than `limit` fell in the current window, and
 * `retryAfterMs` says when that window ends.
 */
export interface WindowLimiter {
  take(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
}

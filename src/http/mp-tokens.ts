import jwt from 'jsonwebtoken';
import type { TokenCodec } from '../domain/mp/mp-auth.ports.js';

/** JWT HS256 with the injected clock; the key is derived from JWT_SECRET for this purpose only. */
export class JwtCodec implements TokenCodec {
  constructor(private readonly key: Buffer) {}

  sign(payload: Record<string, unknown>, audience: string, nowMs: number, ttlMs: number): string {
    const iat = Math.floor(nowMs / 1000);
    return jwt.sign({ ...payload, iat, exp: iat + Math.floor(ttlMs / 1000) }, this.key, { algorithm: 'HS256', audience, noTimestamp: true });
  }

  verify(token: string, audience: string, nowMs: number): Record<string, unknown> | undefined {
    try {
      const p = jwt.verify(token, this.key, { algorithms: ['HS256'], audience, clockTimestamp: Math.floor(nowMs / 1000) });
      return typeof p === 'object' ? (p as Record<string, unknown>) : undefined;
    } catch (e) {
      if (e instanceof jwt.JsonWebTokenError) return undefined;
      throw e;
    }
  }
}

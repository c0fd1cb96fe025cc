import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { parseIpRanges } from '../shared/ip-ranges.js';

/**
 * The value shapes the area schemas (*.schema.ts) share. Environment variables are strings, so
 * numbers and flags are coerced; each refinement's message is what a person reads at start-up.
 */

export const intish = z.coerce.number().int();
export const optStr = z.string().trim().min(1).optional();
export const flag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
export const ratio = z.coerce.number().min(0).max(1);
export const minCount = intish.min(1).max(100000);
export const boolish = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'auto'])]).optional();
export const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
export const appId = z.string().regex(/^wx[0-9a-f]{16}$/, 'must be the mini-program AppID (wx + 16 hex)');
/** A comma list in env, an array in config files (e.g. WeCom userids). */
export const commaList = (item: z.ZodString, max: number) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v), z.array(item).max(max));

/** A comma list in env, an array in config files; refused naming the first bad entry. */
export const ipRanges = z
  .preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(z.string()).max(100))
  .transform((list, ctx) => {
    const r = parseIpRanges(list);
    if ('bad' in r) {
      ctx.addIssue({ code: 'custom', message: `"${r.bad.slice(0, 60)}" is not an IP address, a CIDR range, loopback or none` });
      return z.NEVER;
    }
    return r.ranges;
  });

/** A 32-byte key given as 64 hex characters or base64; undefined when it is neither. */
export function decodeKey(s: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  const b = Buffer.from(s, 'base64');
  return b.length === 32 ? b : undefined;
}

export const piiKey = z.string().refine((s) => decodeKey(s) !== undefined, 'must be 32 bytes as 64 hex characters or base64');

const isPublicKey = (pem: string) => {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
};

/** Serial (platform certificate serial or PUB_KEY_ID_…) → PEM public key; JSON text from env or a file. */
export const platformKeys = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  },
  z.record(z.string().min(1).max(64), z.string().refine(isPublicKey, 'must be an RSA public key in PEM')),
);

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Personal data at rest (design.md): phone numbers are stored encrypted (AES-256-GCM), found
 * by a keyed hash (HMAC-SHA256), and shown masked. Two subkeys are derived from PII_KEY so the
 * lookup hash reveals nothing about the encryption key. The ciphertext carries a version byte so
 * the key can be rotated later.
 */
export class PiiCipher {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;

  constructor(piiKey: Buffer) {
    if (piiKey.length !== 32) throw new Error('PII key must be 32 bytes');
    this.encKey = Buffer.from(hkdfSync('sha256', piiKey, Buffer.alloc(0), 'siyu pii enc v1', 32));
    this.macKey = Buffer.from(hkdfSync('sha256', piiKey, Buffer.alloc(0), 'siyu pii mac v1', 32));
  }

  /** `v1.<iv>.<ciphertext+tag>` in base64url. */
  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(sealed: string): string {
    const [v, iv, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !body) throw new Error('unknown PII ciphertext format');
    const raw = Buffer.from(body, 'base64url');
    const d = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8');
  }

  /** Deterministic keyed hash for lookups (hex). */
  hash(value: string): string {
    return createHmac('sha256', this.macKey).update(value).digest('hex');
  }
}

/**
 * A mainland China mobile number in canonical 11-digit form, or undefined. Accepts spaces,
 * dashes and a +86 / 0086 / 86 prefix, as people type them.
 */
export function normalizeCnMobile(input: string): string | undefined {
  const digits = input.replace(/[\s\-()]/g, '').replace(/^(\+?86|0086)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : undefined;
}

/** 13800000000 → 138****0000: the only form a phone number leaves the server in. */
export function maskMobile(mobile: string): string {
  return mobile.length === 11 ? `${mobile.slice(0, 3)}****${mobile.slice(7)}` : '****';
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature a mall or POS puts in X-Siyu-Signature: lowercase hex of
 * HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + rawBody).
 */
export function integrationSignature(secret: string, timestamp: string, nonce: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n`).update(rawBody).digest('hex');
}

/** Constant-time comparison of a given hex signature with the expected one. */
export function signatureMatches(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(givenHex.toLowerCase(), 'hex'));
}

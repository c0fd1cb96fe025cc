import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A short, unambiguous, URL-safe code (no 0/o/1/l), e.g. for channel codes. */
export function shortCode(len = 10): string {
  const bytes = randomBytes(len);
  let out = '';
  for (let i = 0; i < len; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}

export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

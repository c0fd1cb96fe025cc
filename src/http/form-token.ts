import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Distinguishes tokens issued in the same millisecond by this process; the random prefix keeps
// processes apart.
const PROCESS_TAG = randomBytes(4).toString('base64url');
let counter = 0;

/**
 * Tokens embedded in the landing form: they prove the form came from our page for this code
 * and visitor within the last 30 minutes. Used tokens are remembered in the cache, so a replayed
 * submission is refused.
 */
export class FormTokens {
  constructor(
    private readonly key: Buffer,
    private readonly maxAgeMs = 30 * 60_000,
  ) {}

  issue(code: string, visitorId: string, now: number): string {
    counter = (counter + 1) % 0x7fffffff;
    const head = `${now.toString(36)}.${PROCESS_TAG}${counter.toString(36)}`;
    return `${head}.${this.mac(head, code, visitorId)}`;
  }

  valid(token: string, code: string, visitorId: string, now: number): boolean {
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const head = `${parts[0]}.${parts[1]}`;
    const issued = parseInt(parts[0]!, 36);
    if (!Number.isFinite(issued) || now - issued > this.maxAgeMs || issued - now > 60_000) return false;
    const a = Buffer.from(parts[2]!);
    const b = Buffer.from(this.mac(head, code, visitorId));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private mac(head: string, code: string, visitorId: string): string {
    return createHmac('sha256', this.key).update(`${head}|${code}|${visitorId}`).digest('base64url').slice(0, 22);
  }
}

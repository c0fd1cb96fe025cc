import { createHash } from 'node:crypto';
import { INLINE_CODE } from './views/landing.views.js';

/**
 * The one list of security headers, for Koa and the node:http hot paths alike (raw-response.ts
 * and the landing scan use these objects, the Koa app and the landing router set the same).
 */

/** On every response: a browser must not guess a type other than the one we say (a JSON body as HTML). */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = { 'X-Content-Type-Options': 'nosniff' };

const hash = (code: string) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`;

/**
 * The landing pages (/s/<code>): public HTML opened from a poster in WeChat. They load nothing but
 * their own inline style and script (allowed by hash, so an injected one would not run) and the
 * rep's QR image, which WeCom hosts on https (wework.qpic.cn, p.qpic.cn…; in the sandbox it may
 * come from this server's own address). The form posts back to the same address. No framing
 * (clickjacking the consent box), and no Referer: the page address carries the channel code.
 */
export function landingPageHeaders(o: { publicBaseUrl?: string }): Readonly<Record<string, string>> {
  // Without PUBLIC_BASE_URL the page is served from its own address, which 'self' covers.
  const own = o.publicBaseUrl ? ` ${new URL(o.publicBaseUrl).origin}` : '';
  const csp = [
    "default-src 'none'",
    `style-src ${INLINE_CODE.styles.map(hash).join(' ')}`,
    `script-src ${INLINE_CODE.scripts.map(hash).join(' ')}`,
    `img-src 'self'${own} https: data:`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { 'Content-Security-Policy': csp, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };
}

import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;

async function channel(siyu: Siyu): Promise<string> {
  const res = await admin(siyu).post('/api/channels', { name: '电梯-A', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '您好' });
  if (res.status >= 300) throw new Error(res.text);
  return (res.json as { code: string }).code;
}

const sha = (code: string) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`;

/** The landing page's own security headers, and that its CSP lets exactly its inline code run. */
function assertPageHeaders(t: ExecutionContext, h: Headers, what: string) {
  t.is(h.get('x-content-type-options'), 'nosniff', what);
  t.is(h.get('referrer-policy'), 'no-referrer', what);
  t.is(h.get('x-frame-options'), 'DENY', what);
  const csp = h.get('content-security-policy') ?? '';
  t.regex(csp, /(^|; )default-src 'none'(;|$)/, what);
  t.regex(csp, /(^|; )frame-ancestors 'none'(;|$)/, what);
  t.regex(csp, /(^|; )form-action 'self'(;|$)/, what);
  t.regex(csp, /(^|; )img-src 'self' [^;]*https:/, what);
  t.notRegex(csp, /unsafe-inline|unsafe-eval/, what);
  return csp;
}

test(`${b} the landing page carries its security headers from the fast path (GET) and from Koa (HEAD, POST), and its CSP allows exactly its inline style and script`, async (t) => {
  const siyu = await startApp(t);
  const code = await channel(siyu);
  const get = await fetch(`${siyu.url}/s/${code}`);
  const html = await get.text();
  const csp = assertPageHeaders(t, get.headers, 'GET (node:http)');
  const inline = (tag: string) => [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
  t.is(inline('script').length, 1);
  t.is(inline('style').length, 1);
  t.regex(csp, new RegExp(`script-src ${sha(inline('script')[0]!).replace(/[+/]/g, '\\$&')}(;|$)`), 'the page script runs');
  t.regex(csp, new RegExp(`style-src ${sha(inline('style')[0]!).replace(/[+/]/g, '\\$&')}(;|$)`), 'the page style applies');
  t.false(/ style=| on[a-z]+=/.test(html), 'no inline attributes the policy would block');

  const head = await fetch(`${siyu.url}/s/${code}`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(assertPageHeaders(t, head.headers, 'HEAD (Koa)'), csp, 'one policy whichever server answered');
  const post = await fetch(`${siyu.url}/s/${code}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
  await post.text();
  t.is(assertPageHeaders(t, post.headers, 'POST (Koa)'), csp);
  const closed = await fetch(`${siyu.url}/s/ch_000000000000`);
  await closed.text();
  t.is(closed.status, 404);
  assertPageHeaders(t, closed.headers, 'the not-found page');
});

test(`${b} every response says nosniff: JSON APIs, unknown paths, errors and the WeCom callback`, async (t) => {
  const siyu = await startApp(t);
  for (const path of ['/healthz', '/api/channels', '/nowhere', '/wecom/callback?msg_signature=x&timestamp=1&nonce=1&echostr=x']) {
    const res = await fetch(`${siyu.url}${path}`);
    await res.arrayBuffer();
    t.is(res.headers.get('x-content-type-options'), 'nosniff', path);
    t.is(res.headers.get('content-security-policy'), null, `${path}: the landing policy is for the landing only`);
  }
});

const cookieOf = (res: Response) => res.headers.get('set-cookie') ?? '';

test(`${b} the visitor cookie is Secure behind a trusted HTTPS proxy and not on plain HTTP, nor when a stranger claims HTTPS`, async (t) => {
  const siyu = await startApp(t);
  const code = await channel(siyu);
  const scan = async (headers: Record<string, string>) => {
    const res = await fetch(`${siyu.url}/s/${code}`, { headers });
    await res.text();
    return cookieOf(res);
  };
  const formPost = async (headers: Record<string, string>) => {
    const res = await fetch(`${siyu.url}/s/${code}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'name=x' });
    await res.text();
    return cookieOf(res);
  };
  // The test's peer is 127.0.0.1: a trusted proxy by default (loopback).
  t.regex(await scan({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' }), /^sy_vid=[^;]+;.*; httponly; secure$/);
  t.regex(await formPost({ 'x-forwarded-proto': 'https' }), /^sy_vid=[^;]+;.*; secure$/, 'the form post (Koa) too');
  const plain = await scan({});
  t.regex(plain, /^sy_vid=/);
  t.notRegex(plain, /secure/i);
  t.notRegex(await formPost({ 'x-forwarded-proto': 'http' }), /secure/i);

  const stranger = await startApp(t, { overrides: { trustedProxies: 'none' } });
  const code2 = await channel(stranger);
  const res = await fetch(`${stranger.url}/s/${code2}`, { headers: { 'x-forwarded-proto': 'https' } });
  await res.text();
  t.regex(cookieOf(res), /^sy_vid=/);
  t.notRegex(cookieOf(res), /secure/i, 'X-Forwarded-Proto from an untrusted peer is not believed');
});

import type { ExecutionContext } from 'ava';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../../src/shared/clock.js';
import { CallbackCrypto } from '../../../src/integrations/wecom/crypto.js';
import { parseXml, type XmlNode } from '../../../src/integrations/wecom/xml.js';
import { WecomEmulator, type EmulatorOptions } from '../../../src/sandbox/wecom/index.js';

/** Shared fixtures for the emulator tests: one emulator on loopback, a fetch client, a receiver. */

export const CORP = 'wwEMUTESTCORP00001';
export const CONTACT_SECRET = 'contact-secret-0001';
export const AGENT_SECRET = 'agent-secret-0002';
export const AGENT_ID = 1000002;
export const CB = { token: 'QDG6eK', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

// Loose JSON view of WeCom answers; each test asserts the fields it cares about.
export type Json = Record<string, any>;

export interface Harness {
  em: WecomEmulator;
  clock: ManualClock;
  base: string;
  /** GET with the query; adds a cached contact-secret token unless `token: null` */
  get(path: string, query?: Record<string, string>, opts?: { token?: string | null }): Promise<Json>;
  post(path: string, body: unknown, opts?: { token?: string | null; query?: Record<string, string> }): Promise<Json>;
  gettoken(secret?: string): Promise<string>;
}

export async function startEmulator(t: ExecutionContext, opts: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const clock = new ManualClock();
  const em = new WecomEmulator({ corpId: CORP, secrets: [CONTACT_SECRET, AGENT_SECRET], agentIds: [AGENT_ID], clock, ...opts });
  const base = await em.listen(0);
  t.teardown(() => em.close());
  let cached: string | undefined;
  const gettoken = async (secret = CONTACT_SECRET) => {
    const r = (await (await fetch(`${base}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${secret}`)).json()) as Json;
    if (r.errcode !== 0) throw new Error(`gettoken failed: ${r.errcode}`);
    return r.access_token as string;
  };
  const url = async (path: string, query: Record<string, string>, token: string | null | undefined) => {
    const q = new URLSearchParams(query);
    if (token !== null) q.set('access_token', token ?? (cached ??= await gettoken()));
    return `${base}${path}?${q}`;
  };
  return {
    em,
    clock,
    base,
    gettoken,
    async get(path, query = {}, o = {}) {
      const res = await fetch(await url(path, query, o.token));
      return (await res.json()) as Json;
    },
    async post(path, body, o = {}) {
      const res = await fetch(await url(path, o.query ?? {}, o.token), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return (await res.json()) as Json;
    },
  };
}

export interface Received {
  method: string;
  query: Record<string, string>;
  raw: string;
  /** outer envelope (POST) */
  envelope?: XmlNode;
  /** decrypted inner XML text (POST) or echo (GET) */
  plaintext: string;
  /** parsed inner event (POST) */
  event?: XmlNode;
  /** signature checked with CallbackCrypto.verify */
  signatureOk: boolean;
}

/** How the receiver answers: status/body, after `delayMs` and after `waitFor` settles. */
export type Reply = { status?: number; body?: string; delayMs?: number; waitFor?: Promise<unknown> };

/**
 * A tiny callback endpoint that checks every delivery the way Siyu must (signature, decrypt,
 * receive id) and answers as `reply` says for the n-th request (0-based).
 */
export async function startReceiver(t: ExecutionContext, reply: (n: number, r: Received) => Reply = () => ({})) {
  const crypto = new CallbackCrypto({ ...CB, corpId: CORP });
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = Object.fromEntries(url.searchParams);
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = { method: req.method ?? '', query, raw, plaintext: '', signatureOk: false };
      if (req.method === 'GET') {
        r.signatureOk = crypto.verify(query.msg_signature ?? '', query.timestamp ?? '', query.nonce ?? '', query.echostr ?? '');
        r.plaintext = crypto.decrypt(query.echostr ?? '');
      } else {
        r.envelope = parseXml(raw);
        const enc = r.envelope.Encrypt as string;
        r.signatureOk = crypto.verify(query.msg_signature ?? '', query.timestamp ?? '', query.nonce ?? '', enc);
        r.plaintext = crypto.decrypt(enc);
        r.event = parseXml(r.plaintext);
      }
      const n = received.length;
      received.push(r);
      const a = reply(n, r);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status ?? 200, { 'content-type': 'text/plain' });
        res.end(a.body ?? (req.method === 'GET' ? r.plaintext : ''));
      };
      const later = () => (a.delayMs ? setTimeout(send, a.delayMs) : send());
      if (a.waitFor) void a.waitFor.then(later, later);
      else later();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom/callback`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, received, crypto };
}

/** An emulator wired to a receiver, with two reps and fast retries. */
export async function startWithReceiver(
  t: ExecutionContext,
  reply?: (n: number, r: Received) => Reply,
  cb: { timeoutMs?: number; retries?: number; agentId?: string } = {},
) {
  const rx = await startReceiver(t, reply);
  const h = await startEmulator(t, { callback: { url: rx.url, ...CB, agentId: cb.agentId ?? String(AGENT_ID), timeoutMs: cb.timeoutMs ?? 2000, retries: cb.retries, retryDelayMs: 0 } });
  h.em.addEmployee('rep001');
  h.em.addEmployee('rep002');
  return { ...h, rx };
}

/** Creates a contact way through the API and returns its config_id. */
export async function addWay(h: Harness, body: Json = {}): Promise<string> {
  const r = await h.post('/cgi-bin/externalcontact/add_contact_way', { type: 2, scene: 2, state: 'ch_A3_lobby', user: ['rep001', 'rep002'], ...body });
  if (r.errcode !== 0) throw new Error(`add_contact_way failed: ${JSON.stringify(r)}`);
  return r.config_id as string;
}

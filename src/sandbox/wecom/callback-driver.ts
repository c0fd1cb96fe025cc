import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Clock } from '../../shared/clock.js';
import { CallbackCrypto } from '../../integrations/wecom/crypto.js';
import { buildXml } from '../../integrations/wecom/xml.js';
import { newId } from './ids.js';
import { seconds } from './validate.js';

/**
 * WeCom's push side (protocol doc §1.4–§1.7, contract §9.3): signs and encrypts events, POSTs
 * them to the app's callback URL, and re-delivers on timeout or non-200 like WeCom does.
 */

export interface DeliveryAttempt {
  status: number | 'timeout' | 'error';
  ms: number;
  body: string;
}

export interface DeliveryReport {
  plaintext: string;
  url: string;
  attempts: DeliveryAttempt[];
  delivered: boolean;
  /** copies sent concurrently on purpose (`duplicate` option), each with its own retries */
  duplicates?: DeliveryReport[];
}

export interface UrlVerification {
  ok: boolean;
  /** HTTP status, or 0 when the app timed out or the connection failed */
  status: number;
  body: string;
  ms: number;
}

export interface CallbackConfig {
  url: string;
  token: string;
  encodingAesKey: string;
  agentId?: string;
  /** WeCom waits 5 s before giving up on a delivery (doc §1.7) */
  timeoutMs?: number;
  /** further deliveries after the first fails; "重试三次" read as 3 more (doc §1.7, §10) */
  retries?: number;
  /** pause between deliveries; WeCom's spacing is undocumented, tests use 0 */
  retryDelayMs?: number;
}

/** URL verification must be answered within 1 s (doc §1.4). */
export const VERIFY_DEADLINE_MS = 1000;

export class CallbackDriver {
  private readonly crypto: CallbackCrypto;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  // Connections are not reused: WeCom opens a new one per delivery, and pooled sockets would
  // keep test processes alive after close().
  private readonly httpAgent = new HttpAgent({ keepAlive: false });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: false });
  /** aborts for requests and pauses in flight, so close() never leaves a delivery hanging */
  private readonly pending = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly corpId: string,
    private readonly cfg: CallbackConfig,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
  ) {
    this.crypto = new CallbackCrypto({ token: cfg.token, encodingAesKey: cfg.encodingAesKey, corpId });
    this.timeoutMs = cfg.timeoutMs ?? 5000;
    this.retries = cfg.retries ?? 3;
    this.retryDelayMs = cfg.retryDelayMs ?? 0;
  }

  /** Delivers one plaintext event, plus `duplicate` identical copies at the same time. */
  async deliver(plaintext: string, opts: { url?: string; duplicate?: number } = {}): Promise<DeliveryReport> {
    const url = opts.url ?? this.cfg.url;
    const copies = 1 + Math.max(0, opts.duplicate ?? 0);
    const reports = await Promise.all(Array.from({ length: copies }, () => this.deliverWithRetries(plaintext, url)));
    const [primary, ...duplicates] = reports;
    if (duplicates.length > 0) primary!.duplicates = duplicates;
    return primary!;
  }

  private async deliverWithRetries(plaintext: string, url: string): Promise<DeliveryReport> {
    const report: DeliveryReport = { plaintext, url, attempts: [], delivered: false };
    for (let attempt = 0; attempt <= this.retries && !this.closed; attempt++) {
      if (attempt > 0 && this.retryDelayMs > 0) await this.sleep(this.retryDelayMs);
      // Every re-delivery carries the same plaintext but a fresh timestamp, nonce and IV.
      const timestamp = String(seconds(this.clock.now()));
      const nonce = newId.nonce();
      const encrypt = this.crypto.encrypt(plaintext);
      const target = new URL(url);
      target.searchParams.set('msg_signature', this.crypto.signature(timestamp, nonce, encrypt));
      target.searchParams.set('timestamp', timestamp);
      target.searchParams.set('nonce', nonce);
      const body = buildXml({ ToUserName: this.corpId, AgentID: this.cfg.agentId ?? '', Encrypt: encrypt });
      const result = await this.request('POST', target, this.timeoutMs, body);
      report.attempts.push(result);
      this.log(`callback POST attempt ${attempt + 1} -> ${result.status} in ${result.ms}ms`);
      if (result.status === 200) {
        report.delivered = true;
        break;
      }
    }
    return report;
  }

  /** Plays the admin pressing "save" on the callback settings (doc §1.4). */
  async verifyUrl(url = this.cfg.url): Promise<UrlVerification> {
    const echo = newId.echo();
    const timestamp = String(seconds(this.clock.now()));
    const nonce = newId.nonce();
    const echostr = this.crypto.encrypt(echo);
    const target = new URL(url);
    target.searchParams.set('msg_signature', this.crypto.signature(timestamp, nonce, echostr));
    target.searchParams.set('timestamp', timestamp);
    target.searchParams.set('nonce', nonce);
    target.searchParams.set('echostr', echostr);
    const r = await this.request('GET', target, VERIFY_DEADLINE_MS);
    const status = typeof r.status === 'number' ? r.status : 0;
    // The body must be the echo exactly: no quotes, BOM or newline.
    return { ok: status === 200 && r.body === echo && r.ms <= VERIFY_DEADLINE_MS, status, body: r.body, ms: r.ms };
  }

  private request(method: 'GET' | 'POST', url: URL, timeoutMs: number, body?: string): Promise<DeliveryAttempt> {
    const started = Date.now();
    const https = url.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const done = (status: DeliveryAttempt['status'], text: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(abort);
        resolve({ status, ms: Date.now() - started, body: text });
      };
      const abort = () => {
        done('error', '');
        req.destroy();
      };
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers['content-type'] = 'text/xml; charset=utf-8';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = (https ? httpsRequest : httpRequest)(url, { method, headers, agent: https ? this.httpsAgent : this.httpAgent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        res.on('error', () => done('error', ''));
      });
      // Network deadlines run on real time: the injected clock only drives WeCom's own rules.
      const timer = setTimeout(() => {
        done('timeout', '');
        req.destroy();
      }, timeoutMs);
      this.pending.add(abort);
      req.on('error', () => done('error', ''));
      req.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.pending.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.pending.add(wake);
    });
  }

  /** Aborts deliveries in flight; their reports end with an 'error' attempt. */
  close(): void {
    this.closed = true;
    for (const stop of [...this.pending]) stop();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

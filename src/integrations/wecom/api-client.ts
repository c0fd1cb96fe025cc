import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'undici';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import type { Cache } from '../../shared/cache.js';
import { TTL, type CacheKeys } from '../../shared/cache-keys.js';

/** errcodes after which the same call may succeed later (wecom-protocol.md §0.1). */
const TRANSIENT = new Set([-1, 45009, 45033, 41096]);
/** errcodes meaning our cached token is no longer good. 40001 on a non-gettoken call is "credential not latest". */
const TOKEN_STALE = new Set([40014, 42001, 40001]);

export class WecomApiError extends AppError {
  constructor(
    readonly path: string,
    readonly errcode: number,
    readonly errmsg: string,
    transient: boolean,
  ) {
    super(`WECOM.API_${errcode}`, '企业微信接口调用失败，请稍后再试', { status: 502, transient, details: { path, errcode } });
  }
}

export type WecomApp = 'contact' | 'agent';

export interface WecomClientOptions {
  apiBase: string;
  corpId: string;
  secrets: Record<WecomApp, string>;
  timeoutMs: number;
  maxRetries: number;
  ratePerMinute: number;
  cache: Cache;
  keys: CacheKeys;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  /** Backoff base; tests shrink it. */
  backoffMs?: number;
  /** Optional overall deadline for a call (epoch ms): no retry is started past it. */
}

type Json = Record<string, unknown>;
export interface WecomResponse extends Json {
  errcode: number;
  errmsg: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * WeCom HTTP API client. The access token lives in the cache layer (shared by every process,
 * refreshed single-flight under a lock); a stale token is dropped and the call retried once;
 * transient errcodes and transport failures are retried with backoff, bounded by maxRetries
 * and by an optional deadline; a per-corp fixed-window limit keeps us under WeCom's
 * frequency limits across processes. Every outcome is counted by path and errcode.
 */
export class WecomClient {
  private readonly inflight = new Map<WecomApp, Promise<string>>();
  private readonly backoffMs: number;
  // undici's request is several times cheaper per call than fetch; keep-alive to one host.
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  /**
   * A short in-process memo of the token the cache holds, so a busy process does not ask
   * Redis before every call. It is dropped with the cached one on 40014/42001.
   */
  private readonly memo = new Map<WecomApp, { token: string; until: number }>();
  /** Call slots reserved from the shared per-minute window, per API path. */
  private readonly budget = new Map<string, { minute: number; left: number }>();

  constructor(private readonly o: WecomClientOptions) {
    this.backoffMs = o.backoffMs ?? 200;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** POST a JSON body; GET when body is undefined. Throws WecomApiError on a non-zero errcode. */
  async call<T extends WecomResponse = WecomResponse>(
    path: string,
    opts: {
      app?: WecomApp;
      body?: Json;
      /** A file upload (media/upload): sent as multipart/form-data instead of JSON. */
      file?: { field: string; filename: string; contentType: string; bytes: Buffer };
      query?: Record<string, string>;
      deadline?: number;
      retryOn?: (errcode: number) => boolean;
      /**
       * Retry after a transport failure (default true). False for calls WeCom cannot dedupe
       * (add_msg_template): a timeout may come after WeCom acted, and a blind retry would act
       * twice; the caller reconciles instead.
       */
      retryTransport?: boolean;
    } = {},
  ): Promise<T> {
    const app = opts.app ?? 'contact';
    let tokenRetried = false;
    let attempt = 0;
    for (;;) {
      const token = await this.token(app);
      await this.rateGate(path, opts.deadline);
      let res: WecomResponse | undefined;
      let transportError: unknown;
      try {
        res = await this.request(path, { ...opts.query, access_token: token }, opts.body, opts.deadline, opts.file);
      } catch (e) {
        transportError = e;
      }
      if (res) {
        this.o.metrics.wecomApiCalls.inc({ path, errcode: String(res.errcode) });
        if (res.errcode === 0) return res as T;
        if (TOKEN_STALE.has(res.errcode) && !tokenRetried) {
          tokenRetried = true;
          await this.dropToken(app, token);
          continue;
        }
        const transient = TRANSIENT.has(res.errcode) || (opts.retryOn?.(res.errcode) ?? false);
        const err = new WecomApiError(path, res.errcode, res.errmsg, transient);
        if (!transient || !this.canRetry(++attempt, opts.deadline)) throw err;
        this.o.log.warn({ path, errcode: res.errcode, attempt }, 'wecom api transient error, retrying');
      } else {
        this.o.metrics.wecomApiCalls.inc({ path, errcode: 'transport' });
        if (opts.retryTransport === false || !this.canRetry(++attempt, opts.deadline)) {
          throw new AppError('WECOM.UNREACHABLE', '企业微信暂时无法连接，请稍后再试', { status: 503, transient: true, cause: transportError });
        }
        this.o.log.warn({ path, attempt, err: (transportError as Error)?.message }, 'wecom api transport error, retrying');
      }
      await sleep(this.backoff(attempt, opts.deadline));
    }
  }

  private canRetry(attempt: number, deadline?: number): boolean {
    if (attempt > this.o.maxRetries) return false;
    return deadline === undefined || this.o.clock.now() + this.backoff(attempt) < deadline;
  }

  private backoff(attempt: number, deadline?: number): number {
    const full = this.backoffMs * 2 ** (attempt - 1);
    const jittered = full / 2 + Math.random() * (full / 2);
    return deadline === undefined ? jittered : Math.max(0, Math.min(jittered, deadline - this.o.clock.now() - 1));
  }

  private async request(
    path: string,
    query: Record<string, string>,
    body: Json | undefined,
    deadline?: number,
    file?: { field: string; filename: string; contentType: string; bytes: Buffer },
  ): Promise<WecomResponse> {
    const url = `${this.o.apiBase}${path}?${new URLSearchParams(query).toString()}`;
    const timeout = deadline === undefined ? this.o.timeoutMs : Math.max(50, Math.min(this.o.timeoutMs, deadline - this.o.clock.now()));
    let payload: string | Buffer | undefined = body === undefined ? undefined : JSON.stringify(body);
    let type: string | undefined = body === undefined ? undefined : 'application/json';
    if (file) {
      const boundary = `----siyu${randomBytes(8).toString('hex')}`;
      payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"; filelength=${file.bytes.length}\r\nContent-Type: ${file.contentType}\r\n\r\n`),
        file.bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      type = `multipart/form-data; boundary=${boundary}`;
    }
    const res = await httpRequest(url, {
      method: payload === undefined ? 'GET' : 'POST',
      headers: type === undefined ? undefined : { 'content-type': type },
      body: payload,
      dispatcher: this.agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      // undici's timers are coarse (about a second); a call racing the 20 s welcome window
      // needs its deadline kept to the millisecond, others can spare the extra timer.
      signal: deadline === undefined ? undefined : AbortSignal.timeout(timeout),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`HTTP ${res.statusCode}`);
    }
    const json = (await res.body.json()) as WecomResponse;
    if (typeof json.errcode !== 'number') json.errcode = 0;
    return json;
  }

  /**
   * WeCom limits calls per corp and API per minute (§2.2). Slots are reserved from a window
   * shared through the cache a few at a time, so the limit holds across processes without a
   * cache round trip per call; past the limit a call waits for the next window, or fails
   * transiently if its deadline comes first.
   */
  private async rateGate(path: string, deadline?: number): Promise<void> {
    for (;;) {
      const now = this.o.clock.now();
      const minute = Math.floor(now / 60_000);
      const b = this.budget.get(path);
      if (b && b.minute === minute && b.left > 0) {
        b.left--;
        return;
      }
      const chunk = Math.max(1, Math.min(20, Math.floor(this.o.ratePerMinute / 100)));
      const key = this.o.keys.wecomRate(this.o.corpId, `${path}:${minute}`);
      const total = await this.o.cache.incr(key, TTL.wecomRateWindowMs + 5_000, chunk);
      const granted = Math.min(chunk, this.o.ratePerMinute - (total - chunk));
      if (granted > 0) {
        this.budget.set(path, { minute, left: granted - 1 });
        return;
      }
      const wait = (minute + 1) * 60_000 - now;
      if (deadline !== undefined && now + wait > deadline) {
        throw new AppError('WECOM.RATE_LIMITED', '企业微信调用过于频繁，请稍后再试', { status: 503, transient: true });
      }
      this.o.log.warn({ path, waitMs: wait }, 'wecom per-corp rate limit reached, waiting for next window');
      await sleep(wait);
    }
  }

  /** The cached access token of an app, fetched single-flight when missing. */
  async token(app: WecomApp): Promise<string> {
    const m = this.memo.get(app);
    if (m && m.until > this.o.clock.now()) return m.token;
    const key = this.o.keys.wecomToken(this.o.corpId, app);
    const cached = await this.o.cache.get(key);
    if (cached) {
      this.memo.set(app, { token: cached, until: this.o.clock.now() + 30_000 });
      return cached;
    }
    let p = this.inflight.get(app);
    if (!p) {
      p = this.fetchToken(app, key).finally(() => this.inflight.delete(app));
      this.inflight.set(app, p);
    }
    return p;
  }

  private async fetchToken(app: WecomApp, key: string): Promise<string> {
    const lockKey = this.o.keys.wecomTokenLock(this.o.corpId, app);
    for (let i = 0; i < 50; i++) {
      const lock = await this.o.cache.acquireLock(lockKey, TTL.wecomTokenLockMs);
      if (!lock) {
        // Another process is fetching: wait for it to publish the token.
        await sleep(100);
        const v = await this.o.cache.get(key);
        if (v) return v;
        continue;
      }
      try {
        const again = await this.o.cache.get(key);
        if (again) return again;
        const res = await this.request('/cgi-bin/gettoken', { corpid: this.o.corpId, corpsecret: this.o.secrets[app] }, undefined);
        this.o.metrics.wecomApiCalls.inc({ path: '/cgi-bin/gettoken', errcode: String(res.errcode) });
        if (res.errcode !== 0 || typeof res.access_token !== 'string') {
          this.o.log.error({ errcode: res.errcode, app }, 'wecom gettoken failed');
          throw new WecomApiError('/cgi-bin/gettoken', res.errcode, res.errmsg, TRANSIENT.has(res.errcode));
        }
        const expiresIn = typeof res.expires_in === 'number' ? res.expires_in : 7200;
        // Refresh five minutes early so a token never expires mid-call.
        await this.o.cache.set(key, res.access_token, Math.max(60, expiresIn - 300) * 1000);
        return res.access_token;
      } finally {
        await lock.release();
      }
    }
    throw new AppError('WECOM.TOKEN_TIMEOUT', '企业微信凭证获取超时', { status: 503, transient: true });
  }

  private async dropToken(app: WecomApp, token: string): Promise<void> {
    this.memo.delete(app);
    const key = this.o.keys.wecomToken(this.o.corpId, app);
    if ((await this.o.cache.get(key)) === token) await this.o.cache.del(key);
  }
}

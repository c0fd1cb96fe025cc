import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../shared/clock.js';
import { CallbackDriver, type CallbackConfig } from './callback-driver.js';
import { authRoutes } from './routes-auth.js';
import { contactWayRoutes } from './routes-contact-way.js';
import { customerRoutes } from './routes-customer.js';
import { groupChatRoutes } from './routes-groupchat.js';
import { confirmMassTask, defaultMassCap, massRoutes, type MassCap } from './routes-mass.js';
import { messageRoutes } from './routes-message.js';
import { tagRoutes } from './routes-tags.js';
import { E, WecomApiError, errmsgFor, fail } from './errors.js';
import { RateWindow } from './rate-window.js';
import { BodyTooLargeError, EmulatorServer, parseJsonObject, queryOf, readBody, sendJson } from './http-io.js';
import { newId } from './ids.js';
import type { Route, RouteConfig, RouteContext } from './route.js';
import type { CallRecord } from './lookups.js';
import { EmulatorEvents, type EventContext } from './events.js';
import type { AccessToken } from './state.js';
import { Fields, seconds } from './validate.js';
import { createExternalUser, createGroup, requireRelationship, type GroupInput } from './world-events.js';

export interface EmulatorOptions {
  corpId: string;
  /** app secrets gettoken accepts (e.g. the customer-contact app's and the agent app's) */
  secrets: string[];
  /** valid agentid values for message/send; omitted = any agentid is accepted */
  agentIds?: number[];
  /** mini-program appids linked to the app: miniprogram_notice app messages may open only these (else 90207); none when omitted */
  linkedMiniAppIds?: string[];
  /** drives token expiry, welcome windows, media expiry, rate caps; default the system clock */
  clock?: Clock;
  /** the app's callback endpoint; without it the callback driver is unavailable */
  callback?: CallbackConfig;
  /** e.g. '/sandbox/wecom' when mounted inside another server: stripped before routing */
  pathPrefix?: string;
  /** monthly mass-message receive cap per customer/group; default days in the month (doc §4.10) */
  massReceiveCap?: MassCap;
  log?: (line: string) => void;
  /**
   * WeCom's per-corp frequency limit, calls per API per minute (doc §2.2: 10,000); past it the
   * API answers 45009 until the next minute. Omitted = no limit.
   */
  ratePerMinute?: number;
  /** The qr_code URL handed out for a new contact way (the sandbox points it at an image it serves); default a wework.qpic.cn-style address */
  contactWayQrUrl?: (configId: string) => string;
}

/**
 * A fault for the next calls to one path ('*' = every path). Applied before the handler
 * runs: `errcode` answers that errcode instead, `latencyMs` delays the answer (real time),
 * `drop` destroys the connection with no answer. `afterHandling` makes a drop happen after
 * the handler ran, i.e. the change was made but the caller never learns it.
 */
export interface Fault {
  errcode?: number;
  /** how many calls it applies to; default 1, Infinity for all */
  times?: number;
  latencyMs?: number;
  drop?: boolean;
  afterHandling?: boolean;
}

export type { CallRecord, CorpTagGroupView, RelationshipView } from './lookups.js';

export type { ScanReport, TransferFailReason } from './events.js';

/**
 * An in-memory WeCom (protocol doc §9): the server-API side on node:http and the push side
 * (callback driver). Sandbox mode mounts `handle` inside the app; tests `listen` on loopback.
 */
export class WecomEmulator extends EmulatorEvents {
  private readonly routes = new Map<string, Route>();
  private readonly faults = new Map<string, Array<Fault & { times: number }>>();
  private readonly config: RouteConfig & { secrets: string[] };
  private readonly clock: Clock;
  private readonly prefix: string;
  private readonly log: (line: string) => void;
  private readonly massCap: MassCap;
  private readonly server = new EmulatorServer((req, res) => this.handle(req, res));
  /** wakes latency faults on close() so no request waits on a dead emulator */
  private readonly sleepers = new Set<() => void>();
  private closing = false;
  private readonly rate?: RateWindow;

  constructor(private readonly opts: EmulatorOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.prefix = (opts.pathPrefix ?? '').replace(/\/+$/, '');
    this.log = opts.log ?? (() => {});
    this.massCap = opts.massReceiveCap ?? defaultMassCap;
    if (opts.ratePerMinute !== undefined) this.rate = new RateWindow(opts.ratePerMinute);
    this.config = { corpId: opts.corpId, secrets: [...opts.secrets], agentIds: opts.agentIds, linkedMiniAppIds: opts.linkedMiniAppIds, contactWayQrUrl: opts.contactWayQrUrl };
    for (const r of [...authRoutes, ...messageRoutes, ...contactWayRoutes, ...customerRoutes, ...tagRoutes, ...groupChatRoutes, ...massRoutes(this.massCap)]) {
      this.routes.set(r.path, r);
    }
    if (opts.callback) this.driver = new CallbackDriver(opts.corpId, opts.callback, this.clock, this.log);
  }

  get welcomes() {
    return this.state.welcomes;
  }

  get appMessages() {
    return this.state.appMessages;
  }

  /** message/send recipients dropped silently by the per-member cap or the duplicate check */
  get droppedAppMessages() {
    return this.state.droppedAppMessages;
  }

  // ---------------------------------------------------------------- HTTP side

  /** Node http handler: answers paths under pathPrefix + /cgi-bin/ and returns false for others. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    let path = url.pathname;
    if (this.prefix) {
      if (!path.startsWith(`${this.prefix}/`)) return false;
      path = path.slice(this.prefix.length);
    }
    if (!path.startsWith('/cgi-bin/')) return false;
    this.dispatch(req, res, path, url).catch((err: unknown) => {
      this.log(`emulator failure on ${path}: ${(err as Error).message}`);
      if (err instanceof BodyTooLargeError) return;
      if (!res.headersSent) sendJson(res, 500, { errcode: E.SYSTEM_BUSY, errmsg: 'emulator internal error' });
      else res.destroy();
    });
    return true;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const query = queryOf(url);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const route = this.routes.get(path);
    const parsed = route?.rawBody || method !== 'POST' ? { body: {}, warning: false } : parseJsonObject(raw);
    const record: CallRecord = {
      at: this.clock.now(),
      method,
      path,
      query,
      body: route?.rawBody ? { bytes: raw.length } : parsed.body,
      errcode: 0,
    };
    this.calls.push(record);
    if (!route) {
      // Loud on purpose: an endpoint the emulator lacks must not look like a WeCom answer.
      record.errcode = 404;
      sendJson(res, 404, { errcode: 404, errmsg: `emulator: unknown api ${path}` });
      return;
    }
    const fault = this.takeFault(path);
    if (fault?.latencyMs) await this.sleep(fault.latencyMs);
    if (this.closing || (fault?.drop && !fault.afterHandling)) {
      record.errcode = E.SYSTEM_BUSY;
      record.dropped = true;
      req.socket.destroy();
      return;
    }
    const result =
      fault?.errcode !== undefined
        ? this.envelope(fault.errcode, undefined)
        : this.execute(route, { method, query, body: parsed.body, warning: parsed.warning, raw, headers: req.headers });
    record.errcode = result.errcode as number;
    this.log(`${method} ${path} -> ${record.errcode}`);
    if (fault?.drop) {
      record.dropped = true;
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, result);
  }

  private execute(
    route: Route,
    r: { method: string; query: Record<string, string>; body: Record<string, unknown>; warning: boolean; raw: Buffer; headers: IncomingMessage['headers'] },
  ): Record<string, unknown> {
    const now = this.clock.now();
    try {
      if (route.method !== r.method) fail(route.method === 'GET' ? E.REQUIRE_GET : E.REQUIRE_POST);
      const token = route.auth === false ? undefined : this.authenticate(r.query.access_token, now);
      if (token && this.rate && !this.rate.take(route.path, now)) fail(E.FREQ_LIMIT);
      const ctx: RouteContext = {
        state: this.state,
        config: this.config,
        now,
        query: r.query,
        body: Fields.of(r.body),
        q: Fields.of(r.query),
        raw: r.raw,
        headers: r.headers,
        token,
      };
      const out = route.handle(ctx) ?? {};
      // WeCom reports malformed JSON in errmsg rather than failing (doc 90455).
      return { errcode: E.OK, errmsg: r.warning ? 'ok. Warning: wrong json format. ' : 'ok', ...out };
    } catch (e) {
      if (e instanceof WecomApiError) return this.envelope(e.errcode, e.message);
      throw e;
    }
  }

  private envelope(errcode: number, message: string | undefined): Record<string, unknown> {
    return { errcode, errmsg: errmsgFor(errcode, message ?? new WecomApiError(errcode).message, this.clock.now()) };
  }

  private authenticate(token: string | undefined, now: number): AccessToken {
    if (!token) fail(E.MISSING_TOKEN);
    const t = this.state.tokens.get(token);
    if (!t) fail(E.INVALID_TOKEN);
    if (now >= t.expiresAt) fail(E.TOKEN_EXPIRED);
    return t;
  }

  private takeFault(path: string): Fault | undefined {
    for (const key of [path, '*']) {
      const list = this.faults.get(key);
      const f = list?.[0];
      if (!list || !f) continue;
      f.times--;
      if (f.times <= 0) list.shift();
      return f;
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    // A request that reaches a latency fault after close() began must not hold the server open.
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Starts a standalone server; resolves the base URL (with the path prefix). */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const actual = await this.server.listen(port, host);
    return `http://${host.includes(':') ? `[${host}]` : host}:${actual}${this.prefix}`;
  }

  /** Stops the server (if listening), aborts deliveries in flight and pending latency faults. */
  async close(): Promise<void> {
    this.closing = true;
    this.driver?.close();
    for (const wake of [...this.sleepers]) wake();
    await this.server.close();
  }

  // ---------------------------------------------------------------- state hooks

  addEmployee(userid: string, opts: { name?: string; followEnabled?: boolean; adminWelcome?: boolean } = {}): void {
    this.state.employees.set(userid, {
      userid,
      name: opts.name ?? userid,
      followEnabled: opts.followEnabled ?? true,
      adminWelcome: opts.adminWelcome ?? false,
    });
  }

  addExternalUser(opts: { name?: string; unionid?: string; type?: 1 | 2; externalUserId?: string } = {}): { externalUserId: string } {
    return { externalUserId: createExternalUser(this.state, opts).externalUserId };
  }

  /** Seeds a follow relationship without any callback (e.g. a customer added long ago). */
  addRelationship(
    userid: string,
    externalUserId: string,
    opts: { state?: string; addWay?: number; remark?: string; tagIds?: string[]; createtime?: number } = {},
  ): void {
    this.state.requireEmployee(userid);
    createExternalUser(this.state, { externalUserId });
    this.state.putRelationship({
      userid,
      externalUserId,
      remark: opts.remark ?? '',
      description: '',
      createtime: opts.createtime ?? seconds(this.clock.now()),
      tagIds: [...(opts.tagIds ?? [])],
      remarkCorpName: '',
      remarkMobiles: [],
      addWay: opts.addWay ?? 0,
      operUserid: userid,
      state: opts.state ?? '',
    });
  }

  /** Ends a relationship without any callback (e.g. to model a lost or late event). */
  removeRelationship(userid: string, externalUserId: string): void {
    requireRelationship(this.state, userid, externalUserId);
    this.state.deleteRelationship(userid, externalUserId);
  }

  /** Seeds a tag as if made in the admin console (so the API may not edit or delete it). */
  addCorpTag(groupName: string, tagName: string, opts: { order?: number } = {}): { groupId: string; tagId: string } {
    const nowSec = seconds(this.clock.now());
    const group = this.state.ensureTagGroup(groupName, 0, nowSec);
    const tag = this.state.addTag(group, tagName, opts.order ?? 0, nowSec);
    return { groupId: group.groupId, tagId: tag.id };
  }

  /** Seeds a customer group without a callback. */
  addGroupChat(input: GroupInput): { chatId: string } {
    return { chatId: createGroup(this.state, this.clock.now(), input).chatId };
  }

  /** Issues a WelcomeCode for an existing relationship without pushing an event. */
  issueWelcomeCode(userid: string, externalUserId: string): string {
    requireRelationship(this.state, userid, externalUserId);
    const code = newId.welcomeCode();
    this.state.welcomeCodes.set(code, { code, userid, externalUserId, issuedAt: this.clock.now() });
    return code;
  }

  /** Makes every issued token expired (42001 on next use). */
  expireAll(): void {
    const now = this.clock.now();
    for (const t of this.state.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
  }

  /** WeCom may invalidate a token early (doc §2.1): it answers 40014 from now on. */
  invalidate(token: string): void {
    this.state.tokens.delete(token);
  }

  /** The admin reset an app secret: its tokens die and gettoken needs the new one. */
  resetSecret(oldSecret: string, newSecret: string): void {
    const i = this.config.secrets.indexOf(oldSecret);
    if (i === -1) throw new Error('unknown secret');
    this.config.secrets[i] = newSecret;
    for (const [k, t] of this.state.tokens) if (t.secret === oldSecret) this.state.tokens.delete(k);
  }

  injectFault(path: string, fault: Fault): void {
    const list = this.faults.get(path) ?? [];
    list.push({ ...fault, times: fault.times ?? 1 });
    this.faults.set(path, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The employee confirms a mass-message task in the client; results then show as sent. */
  confirmMassTask(msgid: string, userid: string): void {
    confirmMassTask(this.state, msgid, userid, this.clock.now(), this.massCap);
  }

  // ---------------------------------------------------------------- callback driver

  /** What the push side (events.ts) needs of this emulator. */
  protected get eventContext(): EventContext {
    return { corpId: this.opts.corpId, clock: this.clock, log: this.log };
  }
}

import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseIpRanges } from '../shared/ip-ranges.js';

/**
 * Config: config/default.json, then config/<NODE_ENV>.json, then environment variables
 * (secrets may also come from `<NAME>_FILE`). Validated once at start-up; every bad key is
 * listed. This module is the only reader of process.env.
 */

const ENV_MAP: Record<string, string> = {
  PORT: 'port',
  HOST: 'host',
  PUBLIC_BASE_URL: 'publicBaseUrl',
  TRUSTED_PROXIES: 'trustedProxies',
  LOG_LEVEL: 'logLevel',
  MYSQL_URL: 'db.mysqlUrl',
  SQLITE_FILE: 'db.sqliteFile',
  DB_POOL_MAX: 'db.poolMax',
  REDIS_URL: 'cache.redisUrl',
  CACHE_PREFIX: 'cache.prefix',
  WECOM_CORP_ID: 'wecom.corpId',
  WECOM_TOKEN: 'wecom.token',
  WECOM_AES_KEY: 'wecom.aesKey',
  WECOM_CONTACT_SECRET: 'wecom.contactSecret',
  WECOM_AGENT_ID: 'wecom.agentId',
  WECOM_AGENT_SECRET: 'wecom.agentSecret',
  WECOM_API_BASE: 'wecom.apiBase',
  WECOM_TIMEOUT_MS: 'wecom.timeoutMs',
  WECOM_RATE_PER_MINUTE: 'wecom.ratePerMinute',
  WECOM_CALLBACK_MAX_SKEW_SEC: 'wecom.callbackMaxSkewSec',
  MP_APPID: 'wecom.linkedMiniAppId',
  SANDBOX: 'sandbox',
  ADMIN_API_KEY: 'adminApiKey',
  JWT_SECRET: 'jwtSecret',
  PII_KEY: 'piiKey',
  WELCOME_DEFAULT_TEXT: 'welcome.defaultText',
  BOT_ACCOUNT: 'bot.account',
  WECHATY_PUPPET: 'bot.puppet',
  WECHATY_PUPPET_SERVICE_TOKEN: 'bot.puppetToken',
  WECHATY_PUPPET_SERVICE_AUTHORITY: 'bot.puppetAuthority',
  WECHATY_PUPPET_SERVICE_ENDPOINT: 'bot.puppetEndpoint',
  BOT_RATE_PER_MINUTE: 'bot.ratePerMinute',
  BOT_STAND_DOWN_MIN: 'bot.standDownMin',
  BOT_ADMIN_USERIDS: 'bot.adminUserIds',
  BOT_DEFAULT_REP: 'bot.defaultRepUserId',
  JOURNEY_QUIET_FROM: 'journeys.quietFrom',
  JOURNEY_QUIET_TO: 'journeys.quietTo',
  JOURNEY_CAP_PER_DAY: 'journeys.capPerDay',
  JOURNEY_CAP_PER_WEEK: 'journeys.capPerWeek',
  JOURNEY_TICK_SECONDS: 'journeys.tickSeconds',
  JOURNEY_LEASE_MS: 'journeys.leaseMs',
  JOURNEY_TEMPLATE_SETTLE_SECONDS: 'journeys.templateSettleSec',
  JOURNEY_ORDER_MAX_AGE_HOURS: 'journeys.orderMaxAgeHours',
  DORMANT_DAYS: 'journeys.dormantDays',
  REACTIVATION_HOLDOUT_PCT: 'journeys.holdoutPct',
  WECHATPAY_APIV3_KEY: 'wechatPay.apiV3Key',
  WECHATPAY_PLATFORM_KEYS: 'wechatPay.platformKeys',
  WECHAT_API_BASE: 'wechat.apiBase',
  WECHAT_MINI_APPID: 'wechat.miniAppId',
  WECHAT_MINI_SECRET: 'wechat.miniAppSecret',
  METRICS_PORT: 'metricsPort',
  METRICS_HOST: 'metricsHost',
  METRICS_TOKEN: 'metricsToken',
  ALERTS_ENABLED: 'alerts.enabled',
  ALERTS_EVERY_SEC: 'alerts.everySec',
  ALERTS_WINDOW_MIN: 'alerts.windowMin',
  ALERTS_REMIND_EVERY_HOURS: 'alerts.remindEveryHours',
};

const SECRET_ENV = ['WECHATY_PUPPET_SERVICE_TOKEN', 'WECOM_TOKEN', 'WECOM_AES_KEY', 'WECOM_CONTACT_SECRET', 'WECOM_AGENT_SECRET', 'ADMIN_API_KEY', 'JWT_SECRET', 'PII_KEY', 'MYSQL_URL', 'REDIS_URL', 'WECHATPAY_APIV3_KEY', 'WECHATPAY_PLATFORM_KEYS', 'WECHAT_MINI_SECRET', 'METRICS_TOKEN'];

const intish = z.coerce.number().int();
const optStr = z.string().trim().min(1).optional();
const flag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
const ratio = z.coerce.number().min(0).max(1);
const minCount = intish.min(1).max(100000);
const boolish = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'auto'])]).optional();

// A comma list in env, an array in config files; refused naming the first bad entry.
const ipRanges = z
  .preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(z.string()).max(100))
  .transform((list, ctx) => {
    const r = parseIpRanges(list);
    if ('bad' in r) {
      ctx.addIssue({ code: 'custom', message: `"${r.bad.slice(0, 60)}" is not an IP address, a CIDR range, loopback or none` });
      return z.NEVER;
    }
    return r.ranges;
  });

const piiKey = z
  .string()
  .refine((s) => decodeKey(s) !== undefined, 'must be 32 bytes as 64 hex characters or base64');

const isPublicKey = (pem: string) => {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
};

// Serial (platform certificate serial or PUB_KEY_ID_…) → PEM public key; JSON text from env or a file.
const platformKeys = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  },
  z.record(z.string().min(1).max(64), z.string().refine(isPublicKey, 'must be an RSA public key in PEM')),
);

const schema = z.object({
  env: z.enum(['development', 'test', 'production']),
  port: intish.min(0).max(65535),
  /**
   * Every role serves GET /metrics on this port when it is set; the http role then no longer
   * serves it on `port`. 0: the bot and jobs roles do not serve it, the http role serves it on `port`.
   */
  metricsPort: intish.min(0).max(65535),
  /** The address of the metrics port (default: `host`), e.g. 127.0.0.1 or an internal interface. */
  metricsHost: optStr,
  /** When set, /metrics (either port) answers only `Authorization: Bearer <token>`; 401 otherwise. */
  metricsToken: z.string().min(16, 'must be at least 16 characters').max(256).regex(/^\S+$/, 'must not contain spaces').optional(),
  host: z.string().min(1),
  /** Unset outside production: the HTTP server's own listen address stands in (Siyu.publicBaseUrl). */
  publicBaseUrl: z.url().optional(),
  /**
   * The peers whose X-Forwarded-For / X-Forwarded-Proto are believed (a proxy in front); from
   * anyone else the socket address is the client. Default `loopback`: a proxy on the same host.
   */
  trustedProxies: ipRanges,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  db: z.object({
    mysqlUrl: z.string().regex(/^mysql2?:\/\//, 'must start with mysql://').optional(),
    sqliteFile: z.string().min(1),
    poolMax: intish.min(1).max(200),
  }),
  cache: z.object({
    // One Redis, or a Redis Cluster by some of its nodes (parsed by persistence/cache/redis-url.ts).
    redisUrl: z
      .string()
      .regex(
        /^rediss?:\/\/\S+$|^rediss?\+cluster:\/\/(?:[^@/\s]*@)?(?:\[[0-9a-fA-F:]+\]|[^,:/@\s[\]]+):\d{1,5}(?:,(?:\[[0-9a-fA-F:]+\]|[^,:/@\s[\]]+):\d{1,5})*\/?$/,
        'must be redis://host:port, or redis+cluster://host:port,host:port,… naming Redis Cluster nodes (each with its port)',
      )
      .optional(),
    // A brace would make the prefix the hash tag of every key: one cluster slot for all of Siyu.
    prefix: z.string().min(1).max(32).regex(/^[^{}]*$/, 'must not contain { or } (Redis Cluster hash tags)'),
  }),
  sandbox: boolish,
  wecom: z.object({
    corpId: optStr,
    token: optStr,
    aesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey').optional(),
    contactSecret: optStr,
    agentId: intish.positive().optional(),
    agentSecret: optStr,
    apiBase: z.url(),
    timeoutMs: intish.min(100).max(60000),
    maxRetries: intish.min(0).max(10),
    ratePerMinute: intish.min(1).max(100000),
    callbackMaxSkewSec: intish.min(0),
    /**
     * The mini-program linked to the WeCom app (应用管理 → 关联小程序), usually the store operators'
     * one: hand-off notices open the customer in it. Unset: the notices are text.
     */
    linkedMiniAppId: z.string().regex(/^wx[0-9a-f]{16}$/, 'must be the mini-program AppID (wx + 16 hex)').optional(),
  }),
  adminApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
  jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  piiKey: piiKey.optional(),
  welcome: z.object({ defaultText: z.string().min(1).max(1300), windowMs: intish.min(1000).max(20000) }),
  bot: z.object({
    /** One bot process per account: the lock, the outbox rows and the conversations are keyed by it. */
    account: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1-64)'),
    /** mock (sandbox/tests) or service (wechaty-puppet-service, e.g. WorkPro); auto: mock in sandbox, else service. */
    puppet: z.enum(['auto', 'mock', 'service']),
    puppetToken: optStr,
    puppetAuthority: optStr,
    puppetEndpoint: optStr,
    /** Where Wechaty keeps its memory card (login session); must persist across restarts. */
    dataDir: z.string().min(1),
    ratePerMinute: intish.min(1).max(600),
    jitterMs: intish.min(0).max(60000),
    maxAttempts: intish.min(1).max(20),
    backoffBaseMs: intish.min(100).max(3600000),
    backoffMaxMs: intish.min(100).max(86400000),
    /** A claimed outbox row is taken over by another drainer after this (a process died mid-send). */
    leaseMs: intish.min(1000).max(3600000),
    breakerMs: intish.min(1000).max(86400000),
    /** Messages older than this when they arrive (a re-login replays history) are ignored. */
    maxMessageAgeSec: intish.min(10).max(86400),
    /** The bot keeps quiet in a 1:1 chat this long after a rep's last message there. */
    standDownMin: intish.min(1).max(1440),
    /** After a hand-off the bot keeps quiet this long, waiting for the rep. */
    handoffQuietMin: intish.min(1).max(1440),
    /** Unmatched messages in a row (within handoffQuietMin) before the bot hands off by itself. */
    missesBeforeHandoff: intish.min(1).max(10),
    groupWelcomeBatchMs: intish.min(0).max(600000),
    spamMaxStrikes: intish.min(1).max(10),
    /** How long an unanswered question (NPS, birthday) waits for its answer. */
    questionTtlHours: intish.min(1).max(720),
    /** WeCom userids told about bot login trouble and hand-offs nobody owns (comma list in env). */
    adminUserIds: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v), z.array(z.string().min(1).max(64)).max(50)),
    defaultRepUserId: optStr,
  }),
  journeys: z.object({
    /** Quiet hours (Asia/Shanghai): customer messages due inside wait for the window's end. */
    quietFrom: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
    quietTo: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
    /** Marketing touches per customer across all journeys (transactional messages exempt). */
    capPerDay: intish.min(0).max(100),
    capPerWeek: intish.min(0).max(700),
    /** WeCom mass messages a customer may receive per month; 0 = as many as the month has days (WeCom's default rule). */
    massPerMonth: intish.min(0).max(31),
    tickSeconds: intish.min(1).max(3600),
    /** No purchase and no message for this many days: dormant (reactivation). */
    dormantDays: intish.min(7).max(730),
    /** Share of each day's dormant customers held out (recorded, not touched) to measure lift. */
    holdoutPct: z.coerce.number().min(0).max(0.5),
    /** A claimed run or touch is taken over by another instance after this (a process died mid-tick). */
    leaseMs: intish.min(1000).max(3600000),
    batch: intish.min(1).max(5000),
    maxAttempts: intish.min(1).max(20),
    /**
     * After a template call (add_msg_template) interrupted with no answer, wait this long before
     * looking for the task in WeCom and sending again if there is none (see journey-engine.ts).
     */
    templateSettleSec: intish.min(10).max(3600),
    /** A live order paid longer ago than this starts no order_paid journey (domain/journey/order-entry.ts). */
    orderMaxAgeHours: intish.min(1).max(720),
  }),
  /** In-process alert rules (src/domain/alert), sent to bot.adminUserIds by WeCom app message. */
  alerts: z.object({
    enabled: flag,
    everySec: intish.min(10).max(3600),
    /** Rates and counts are taken over this many trailing minutes. */
    windowMin: intish.min(1).max(120),
    /** While an alert keeps firing, a reminder at most this often. */
    remindEveryHours: z.coerce.number().min(0.25).max(168),
    rules: z.object({
      callbackFailures: z.object({ enabled: flag, minCount, maxRatio: ratio }),
      wecomIpBlocked: z.object({ enabled: flag, minCount }),
      wecomTokenInvalid: z.object({ enabled: flag, minCount }),
      sendFailures: z.object({ enabled: flag, minCount, maxRatio: ratio }),
      jobStale: z.object({ enabled: flag, factor: z.coerce.number().min(1).max(100), graceMin: intish.min(0).max(1440) }),
      botLoggedOut: z.object({ enabled: flag, graceMin: intish.min(0).max(1440), heartbeatStaleMin: intish.min(1).max(1440) }),
      outboxBacklog: z.object({ enabled: flag, maxDue: minCount, maxAgeMin: intish.min(1).max(10080) }),
      scanDrop: z.object({ enabled: flag, minBaseline: z.coerce.number().min(1).max(1000000), minDrop: z.coerce.number().min(0.05).max(1) }),
    }),
  }),
  callback: z.object({ maxBatch: intish.min(1).max(5000), bodyLimitBytes: intish.min(1024).max(1048576) }),
  /** WeChat Pay v3 payment notifications (POST /wechatpay/notify); refused with 503 until both are set. */
  wechatPay: z.object({
    apiV3Key: z.string().refine((s) => Buffer.byteLength(s) === 32, 'must be the 32-byte APIv3 key').optional(),
    platformKeys,
  }),
  /** The store operators' mini-program: code2Session at apiBase (the emulator in sandbox mode). */
  wechat: z.object({
    apiBase: z.url(),
    miniAppId: z.string().regex(/^wx[0-9a-f]{16}$/, 'must be the mini-program AppID (wx + 16 hex)').optional(),
    miniAppSecret: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32-character AppSecret').optional(),
    timeoutMs: intish.min(100).max(60000),
  }),
});

type Raw = z.infer<typeof schema>;

export interface WecomCredentials {
  corpId: string;
  token: string;
  aesKey: string;
  contactSecret: string;
  agentId: number;
  agentSecret: string;
}

export type Config = Omit<Raw, 'sandbox' | 'wecom' | 'adminApiKey' | 'jwtSecret' | 'piiKey'> & {
  /** true when WeCom is the in-process emulator (no real credentials configured). */
  sandbox: boolean;
  wecom: Omit<Raw['wecom'], keyof WecomCredentials> & WecomCredentials;
  adminApiKey: string;
  jwtSecret: string;
  piiKey: Buffer;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function decodeKey(s: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  const b = Buffer.from(s, 'base64');
  return b.length === 32 ? b : undefined;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function readJson(file: string, problems: string[]): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    problems.push(`${file}: not valid JSON (${(e as Error).message})`);
    return {};
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  configDir?: string;
  /** Applied last: tests use it to point at their own database, emulator and ports. */
  overrides?: Record<string, unknown>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const nodeEnv = env.NODE_ENV ?? 'development';
  const configDir = opts.configDir ?? resolve(process.cwd(), 'config');
  const problems: string[] = [];
  if (!['development', 'test', 'production'].includes(nodeEnv)) problems.push(`NODE_ENV: must be development, test or production`);

  let raw = merge(readJson(join(configDir, 'default.json'), problems), readJson(join(configDir, `${nodeEnv}.json`), problems));
  raw.env = nodeEnv;
  const fromEnv: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(ENV_MAP)) {
    let v = env[name];
    const fileVar = env[`${name}_FILE`];
    if ((v === undefined || v === '') && fileVar && SECRET_ENV.includes(name)) {
      try {
        v = readFileSync(fileVar, 'utf8').trim();
      } catch (e) {
        problems.push(`${name}_FILE: cannot read ${fileVar} (${(e as Error).message})`);
      }
    }
    if (v !== undefined && v !== '') setPath(fromEnv, path, v);
  }
  raw = merge(raw, fromEnv);
  if (opts.overrides) raw = merge(raw, opts.overrides);

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const c = parsed.data;

  const cred = c.wecom;
  const credKeys = { corpId: 'WECOM_CORP_ID', token: 'WECOM_TOKEN', aesKey: 'WECOM_AES_KEY', contactSecret: 'WECOM_CONTACT_SECRET' } as const;
  const given = (Object.keys(credKeys) as Array<keyof typeof credKeys>).filter((k) => cred[k] !== undefined);
  const sandboxFlag = c.sandbox === undefined || c.sandbox === 'auto' ? undefined : c.sandbox === true || c.sandbox === 'true' || c.sandbox === '1';
  const sandbox = sandboxFlag ?? given.length === 0;
  if (!sandbox) {
    for (const k of Object.keys(credKeys) as Array<keyof typeof credKeys>) {
      if (cred[k] === undefined) problems.push(`wecom.${k} (${credKeys[k]}): required when connecting to a real WeCom`);
    }
  }
  if (sandbox && nodeEnv === 'production') problems.push('sandbox: the WeCom emulator cannot run with NODE_ENV=production; set the WECOM_* credentials');
  // Landing QR codes and posters encode this address: a loopback one would print useless posters.
  if (nodeEnv === 'production' && c.publicBaseUrl === undefined) {
    problems.push('publicBaseUrl (PUBLIC_BASE_URL): required in production, the public address phones reach');
  } else if (nodeEnv === 'production' && /^https?:\/\/(127\.|localhost|\[::1\])/.test(c.publicBaseUrl!)) {
    problems.push('publicBaseUrl (PUBLIC_BASE_URL): must be the public address phones reach in production, not a loopback one');
  }

  if ((c.wechat.miniAppId === undefined) !== (c.wechat.miniAppSecret === undefined)) {
    problems.push('wechat.miniAppId / wechat.miniAppSecret (WECHAT_MINI_APPID / WECHAT_MINI_SECRET): set both or neither');
  }

  const secrets = resolveSecrets(c, nodeEnv, problems);
  if (problems.length) throw new ConfigError(problems);

  const wecom = sandbox
    ? {
        ...cred,
        corpId: 'wwsandbox0000000001',
        token: randomBytes(12).toString('hex'),
        aesKey: randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(43, 'A').slice(0, 43),
        contactSecret: randomBytes(16).toString('hex'),
        agentId: 1000002,
        agentSecret: randomBytes(16).toString('hex'),
      }
    : {
        ...cred,
        corpId: cred.corpId!,
        token: cred.token!,
        aesKey: cred.aesKey!,
        contactSecret: cred.contactSecret!,
        agentId: cred.agentId ?? 0,
        agentSecret: cred.agentSecret ?? cred.contactSecret!,
      };

  // The sandbox's WeChat emulator accepts whatever mini-program credentials the config names,
  // or a generated pair; outside the sandbox an unset pair leaves mini-program login refused (503).
  const wechat = sandbox && c.wechat.miniAppId === undefined
    ? { ...c.wechat, miniAppId: `wx${randomBytes(8).toString('hex')}`, miniAppSecret: randomBytes(16).toString('hex') }
    : c.wechat;

  return { ...c, sandbox, wecom, wechat, ...secrets };
}

/**
 * Secrets have no literal fallback. Outside production a missing one is generated once and
 * kept in data/dev-secrets.json (so stored phone numbers stay readable across restarts);
 * under test it is generated in memory; in production a missing secret is a start-up error.
 */
function resolveSecrets(c: Raw, nodeEnv: string, problems: string[]): { adminApiKey: string; jwtSecret: string; piiKey: Buffer } {
  const need = { adminApiKey: 'ADMIN_API_KEY', jwtSecret: 'JWT_SECRET', piiKey: 'PII_KEY' } as const;
  const missing = (Object.keys(need) as Array<keyof typeof need>).filter((k) => c[k] === undefined);
  let generated: Partial<Record<keyof typeof need, string>> = {};
  if (missing.length && nodeEnv === 'production') {
    for (const k of missing) problems.push(`${k} (${need[k]}): required in production`);
  } else if (missing.length && nodeEnv === 'test') {
    generated = { adminApiKey: randomBytes(16).toString('hex'), jwtSecret: randomBytes(32).toString('hex'), piiKey: randomBytes(32).toString('hex') };
  } else if (missing.length) {
    const dir = c.db.sqliteFile === ':memory:' ? 'data' : dirname(c.db.sqliteFile);
    const file = join(dir, 'dev-secrets.json');
    if (existsSync(file)) generated = JSON.parse(readFileSync(file, 'utf8')) as typeof generated;
    else {
      generated = { adminApiKey: randomBytes(16).toString('hex'), jwtSecret: randomBytes(32).toString('hex'), piiKey: randomBytes(32).toString('hex') };
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
    }
  }
  const pick = (k: keyof typeof need) => c[k] ?? generated[k] ?? '';
  return { adminApiKey: pick('adminApiKey'), jwtSecret: pick('jwtSecret'), piiKey: decodeKey(pick('piiKey')) ?? Buffer.alloc(0) };
}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeKey } from './fields.js';
import type { Raw } from './schema.js';

/**
 * The rules across keys, applied once the schema has accepted every key on its own: sandbox or
 * a real WeCom, what production requires, the secrets, and whether this deployment runs a bot.
 * Each pushes what is wrong into `problems` (start-up lists them all) and returns what it derived.
 */

export interface WecomCredentials {
  corpId: string;
  token: string;
  aesKey: string;
  contactSecret: string;
  agentId: number;
  agentSecret: string;
}

const CRED_ENV = { corpId: 'WECOM_CORP_ID', token: 'WECOM_TOKEN', aesKey: 'WECOM_AES_KEY', contactSecret: 'WECOM_CONTACT_SECRET' } as const;

/** Sandbox (the WeCom emulator) unless real credentials are given or SANDBOX says otherwise; never in production. */
export function resolveSandbox(c: Raw, nodeEnv: string, problems: string[]): boolean {
  const keys = Object.keys(CRED_ENV) as Array<keyof typeof CRED_ENV>;
  const given = keys.filter((k) => c.wecom[k] !== undefined);
  const flag = c.sandbox === undefined || c.sandbox === 'auto' ? undefined : c.sandbox === true || c.sandbox === 'true' || c.sandbox === '1';
  const sandbox = flag ?? given.length === 0;
  if (!sandbox) {
    for (const k of keys) if (c.wecom[k] === undefined) problems.push(`wecom.${k} (${CRED_ENV[k]}): required when connecting to a real WeCom`);
  }
  if (sandbox && nodeEnv === 'production') problems.push('sandbox: the WeCom emulator cannot run with NODE_ENV=production; set the WECOM_* credentials');
  return sandbox;
}

/** Landing QR codes and posters encode this address: a loopback one would print useless posters. */
export function checkPublicBaseUrl(c: Raw, nodeEnv: string, problems: string[]): void {
  if (nodeEnv !== 'production') return;
  if (c.publicBaseUrl === undefined) problems.push('publicBaseUrl (PUBLIC_BASE_URL): required in production, the public address phones reach');
  else if (/^https?:\/\/(127\.|localhost|\[::1\])/.test(c.publicBaseUrl)) problems.push('publicBaseUrl (PUBLIC_BASE_URL): must be the public address phones reach in production, not a loopback one');
}

/** The corp's credentials: the configured ones, or a generated set the sandbox's emulator accepts. */
export function wecomFor(c: Raw, sandbox: boolean): Raw['wecom'] & WecomCredentials {
  const cred = c.wecom;
  if (sandbox) {
    return {
      ...cred,
      corpId: 'wwsandbox0000000001',
      token: randomBytes(12).toString('hex'),
      aesKey: randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(43, 'A').slice(0, 43),
      contactSecret: randomBytes(16).toString('hex'),
      agentId: 1000002,
      agentSecret: randomBytes(16).toString('hex'),
    };
  }
  return { ...cred, corpId: cred.corpId!, token: cred.token!, aesKey: cred.aesKey!, contactSecret: cred.contactSecret!, agentId: cred.agentId ?? 0, agentSecret: cred.agentSecret ?? cred.contactSecret! };
}

/**
 * The sandbox's WeChat emulator accepts whatever mini-program credentials the config names, or a
 * generated pair; outside the sandbox an unset pair leaves mini-program login refused (503).
 */
export function wechatFor(c: Raw, sandbox: boolean, problems: string[]): Raw['wechat'] {
  if ((c.wechat.miniAppId === undefined) !== (c.wechat.miniAppSecret === undefined)) {
    problems.push('wechat.miniAppId / wechat.miniAppSecret (WECHAT_MINI_APPID / WECHAT_MINI_SECRET): set both or neither');
  }
  return sandbox && c.wechat.miniAppId === undefined ? { ...c.wechat, miniAppId: `wx${randomBytes(8).toString('hex')}`, miniAppSecret: randomBytes(16).toString('hex') } : c.wechat;
}

/**
 * Whether this deployment runs a bot. BOT_ENABLED=false says it has no bot account. An enabled
 * bot in production must be able to run there: a WorkPro token, never the mock puppet; refusing
 * here (every role) beats a bot role that fails at each start while journeys queue for it.
 * Outside production an unset token leaves the bot off, as `npm start` always did.
 */
export function resolveBotEnabled(c: Raw, sandbox: boolean, nodeEnv: string, problems: string[]): boolean {
  if (!c.bot.enabled) return false;
  const puppet = c.bot.puppet === 'auto' ? (sandbox ? 'mock' : 'service') : c.bot.puppet;
  const noBot = 'or BOT_ENABLED=false for a deployment with no bot account';
  if (puppet === 'mock') {
    // An `auto` mock in production is the sandbox's, refused above with its own problem.
    if (nodeEnv === 'production' && c.bot.puppet === 'mock') problems.push(`bot.puppet (WECHATY_PUPPET): production cannot run the mock puppet; set WECHATY_PUPPET=service and WECHATY_PUPPET_SERVICE_TOKEN, ${noBot}`);
    return true;
  }
  if (c.bot.puppetToken) return true;
  if (nodeEnv === 'production') problems.push(`bot.puppetToken (WECHATY_PUPPET_SERVICE_TOKEN): required while the bot is enabled (e.g. puppet_workpro_…), ${noBot}`);
  return false;
}

/**
 * Secrets have no literal fallback. Outside production a missing one is generated once and
 * kept in data/dev-secrets.json (so stored phone numbers stay readable across restarts);
 * under test it is generated in memory; in production a missing secret is a start-up error.
 */
export function resolveSecrets(c: Raw, nodeEnv: string, problems: string[]): { adminApiKey: string; jwtSecret: string; piiKey: Buffer } {
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

import { resolve } from 'node:path';
import { checkPublicBaseUrl, resolveBotEnabled, resolveSandbox, resolveSecrets, wechatFor, wecomFor, type WecomCredentials } from './resolve.js';
import { ENV_MAP, SECRET_ENV, schema, type Raw } from './schema.js';
import { readSources } from './sources.js';

/**
 * Config: config/default.json, then config/<NODE_ENV>.json, then environment variables
 * (secrets may also come from `<NAME>_FILE`). Validated once at start-up; every bad key is
 * listed. This module is the only reader of process.env. The keys, area by area, are in
 * *.schema.ts (schema.ts lists them); the rules across keys in resolve.ts.
 */

export type { WecomCredentials } from './resolve.js';

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

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  configDir?: string;
  /** Applied last: tests use it to point at their own database, emulator and ports. */
  overrides?: Record<string, unknown>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const nodeEnv = env.NODE_ENV ?? 'development';
  const problems: string[] = [];
  if (!['development', 'test', 'production'].includes(nodeEnv)) problems.push(`NODE_ENV: must be development, test or production`);
  const configDir = opts.configDir ?? resolve(process.cwd(), 'config');
  const raw = readSources({ env, nodeEnv, configDir, envMap: ENV_MAP, secrets: SECRET_ENV, overrides: opts.overrides, problems });

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const sandbox = resolveSandbox(c, nodeEnv, problems);
  checkPublicBaseUrl(c, nodeEnv, problems);
  const wechat = wechatFor(c, sandbox, problems);
  const botEnabled = resolveBotEnabled(c, sandbox, nodeEnv, problems);
  const secrets = resolveSecrets(c, nodeEnv, problems);
  if (problems.length) throw new ConfigError(problems);

  // With no bot there is no login to watch: its alert would only say the bot is absent.
  const rules = { ...c.alerts.rules, botLoggedOut: { ...c.alerts.rules.botLoggedOut, enabled: c.alerts.rules.botLoggedOut.enabled && botEnabled } };
  return { ...c, sandbox, wecom: wecomFor(c, sandbox), wechat, bot: { ...c.bot, enabled: botEnabled }, alerts: { ...c.alerts, rules }, ...secrets };
}

import type { ExecutionContext } from 'ava';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createSiyu, type Siyu, type SiyuOptions } from '../../src/main/compose.js';
import { createLogger } from '../../src/shared/logger.js';
import { freshDatabase, freshPrefix, REDIS_URL } from './backends.js';

/**
 * Starts the real app (HTTP on a random loopback port, the WeCom emulator in sandbox mode,
 * this test's own database and cache prefix) and closes it when the test ends.
 */
export async function startApp(
  t: ExecutionContext,
  o: {
    overrides?: Record<string, unknown>;
    options?: SiyuOptions;
    /** Rewrites the MariaDB / Redis URL the app connects to (the fault suite puts a proxy between). */
    via?: { mysql?: (url: string) => string; redis?: (url: string) => string };
  } = {},
): Promise<Siyu> {
  const db = await freshDatabase(t);
  const config: Config = loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: {
      db: { sqliteFile: db.sqliteFile, ...(db.mysqlUrl ? { mysqlUrl: o.via?.mysql?.(db.mysqlUrl) ?? db.mysqlUrl } : {}) },
      cache: { prefix: freshPrefix(), ...(REDIS_URL ? { redisUrl: o.via?.redis?.(REDIS_URL) ?? REDIS_URL } : {}) },
      ...o.overrides,
    },
  });
  const siyu = await createSiyu(config, { migrate: true, wecomBackoffMs: 5, log: createLogger({ level: 'silent' }), ...o.options });
  t.teardown(() => siyu.close());
  return siyu;
}

/** fetch against the app with the admin key. */
export function admin(siyu: Siyu) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${siyu.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${siyu.config.adminApiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  return { get: (p: string) => call('GET', p), post: (p: string, b?: unknown, h?: Record<string, string>) => call('POST', p, b, h), call };
}

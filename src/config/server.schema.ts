import { z } from 'zod';
import { boolish, intish, ipRanges, optStr, piiKey } from './fields.js';

/**
 * The process itself: where it listens, who it believes, its logs and metrics, its database
 * and cache, its own secrets, and whether WeCom is the emulator (sandbox).
 */
export const serverEnv = {
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
  SANDBOX: 'sandbox',
  ADMIN_API_KEY: 'adminApiKey',
  JWT_SECRET: 'jwtSecret',
  PII_KEY: 'piiKey',
  METRICS_PORT: 'metricsPort',
  METRICS_HOST: 'metricsHost',
  METRICS_TOKEN: 'metricsToken',
};

export const serverSecrets = ['ADMIN_API_KEY', 'JWT_SECRET', 'PII_KEY', 'MYSQL_URL', 'REDIS_URL', 'METRICS_TOKEN'];

export const serverShape = {
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
  adminApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
  jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  piiKey: piiKey.optional(),
};

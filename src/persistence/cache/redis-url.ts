/**
 * REDIS_URL names one Redis (`redis://[user:pass@]host:port[/db]`, `rediss://` for TLS) or a Redis
 * Cluster (`redis+cluster://[user:pass@]host:port,host:port,…`, `rediss+cluster://` for TLS): a
 * few of its nodes, from which the client learns the rest and who owns which slot.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

/** The pattern config validates REDIS_URL with, so a bad value stops start-up with its name. */
export const REDIS_URL_PATTERN = /^rediss?:\/\/\S+$|^rediss?\+cluster:\/\/(?:[^@/\s]*@)?(?:\[[0-9a-fA-F:]+\]|[^,:/@\s[\]]+):\d{1,5}(?:,(?:\[[0-9a-fA-F:]+\]|[^,:/@\s[\]]+):\d{1,5})*\/?$/;

export const REDIS_URL_HINT = 'must be redis://host:port, or redis+cluster://host:port,host:port,… naming Redis Cluster nodes (each with its port)';

export function parseRedisUrl(url: string): RedisTarget {
  if (!REDIS_URL_PATTERN.test(url)) throw new Error(`REDIS_URL ${REDIS_URL_HINT}`);
  const m = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/]+)\/?$/.exec(url);
  if (!m) return { kind: 'single', url };
  const [, scheme, auth, list] = m;
  const nodes = list!.split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hp.slice(i + 1)) };
  });
  const bad = nodes.find((n) => n.port < 1 || n.port > 65535);
  if (bad) throw new Error(`REDIS_URL: ${bad.host} has no valid port (${bad.port})`);
  const colon = auth?.indexOf(':') ?? -1;
  const username = auth && colon >= 0 ? auth.slice(0, colon) : undefined;
  const password = auth && colon >= 0 ? auth.slice(colon + 1) : auth;
  return {
    kind: 'cluster',
    nodes,
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    tls: scheme === 'rediss',
  };
}

const UNAVAILABLE_CODES = new Set([
  // The server or the path to it is gone or full (mysql2 / net).
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // Contention that a retry resolves.
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'SQLITE_BUSY',
]);

/**
 * Whether an error means a dependency (database, Redis) is unreachable or saturated rather
 * than that the request or our code is wrong: such a request is worth retrying, so it is
 * answered 503, not 500.
 */
export const isUnavailable = (e: unknown): boolean => {
  if (!e || typeof e !== 'object') return false;
  const { name, code, message } = e as { name?: string; code?: string; message?: string };
  if (name === 'KnexTimeoutError' || name === 'MaxRetriesPerRequestError') return true;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  // ioredis rejects commands on a closed connection with a plain Error.
  return message === 'Connection is closed.';
};

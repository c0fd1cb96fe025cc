import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Message text is constant; data goes in fields. Personal data (phone
 * numbers, message bodies, names) is never logged: the redact list is a safety net, not the
 * policy.
 */
export function createLogger(opts: { level: string; name?: string; destination?: NodeJS.WritableStream }): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    name: opts.name ?? 'siyu',
    base: { pid: process.pid },
    redact: {
      // Not the top-level `name`: that is the logger's own.
      paths: ['phone', '*.phone', 'mobile', '*.mobile', 'content', '*.content', 'text', '*.text', '*.name'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // Asynchronous, buffered stdout: a synchronous write per line blocks the event loop whenever
  // the reader (PM2, a pipe) is slower than we are. runRole flushes it before exiting.
  const dest = opts.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(options, dest as pino.DestinationStream);
}

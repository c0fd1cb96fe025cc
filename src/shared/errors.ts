/**
 * The one error family of Siyu. `code` is stable and machine-readable (`AREA.REASON`),
 * `message` is Simplified Chinese and safe to show a person, `status` is the HTTP status the
 * error boundary answers with, `transient` tells callers whether retrying may help.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly transient: boolean;
  readonly details?: unknown;

  constructor(
    code: string,
    message: string,
    opts: { status?: number; transient?: boolean; cause?: unknown; details?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? 500;
    this.transient = opts.transient ?? false;
    this.details = opts.details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(code, message, { status: 400, details });
export const unauthorized = (code: string, message = '未授权，请检查凭证') =>
  new AppError(code, message, { status: 401 });
export const notFound = (code: string, message: string) => new AppError(code, message, { status: 404 });
export const conflict = (code: string, message: string) => new AppError(code, message, { status: 409 });
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new AppError(code, message, { status: 503, transient: true, cause });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

import type { Context } from 'koa';
import { AppError, badRequest } from '../shared/errors.js';

/** Reads the raw body with a hard size limit; `tooLarge` is the error answered past it. */
export function readBytes(ctx: Context, limit: number, tooLarge: () => AppError = () => new AppError('REQUEST.TOO_LARGE', '请求内容过大', { status: 413 })): Promise<Buffer> {
  const declared = Number(ctx.get('content-length'));
  if (declared > limit) return Promise.reject(tooLarge());
  // Plain listeners rather than an async iterator: this runs on every form post and upload.
  return new Promise((resolve, reject) => {
    const req = ctx.req;
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Reads the raw body as UTF-8 text with a hard size limit. */
export async function readText(ctx: Context, limit: number): Promise<string> {
  return (await readBytes(ctx, limit)).toString('utf8');
}

/** Parses a JSON body; anything that is not a JSON object is a 400. */
export async function readJson(ctx: Context, limit = 256 * 1024): Promise<unknown> {
  const type = ctx.get('content-type');
  if (type && !/json/i.test(type)) throw new AppError('REQUEST.UNSUPPORTED_TYPE', '请使用 JSON 格式提交（Content-Type: application/json）', { status: 415 });
  return parseJsonText(await readText(ctx, limit));
}

/** Parses a body already read (e.g. raw bytes that were signed); empty or invalid JSON is a 400. */
export function parseJsonText(text: string): unknown {
  if (!text.trim()) throw badRequest('REQUEST.EMPTY_BODY', '请求体不能为空');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('REQUEST.INVALID_JSON', '请求体不是合法的 JSON');
  }
}

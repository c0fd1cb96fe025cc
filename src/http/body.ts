import type { Context } from 'koa';
import { AppError, badRequest } from '../shared/errors.js';

/** Reads the raw body as text with a hard size limit (callbacks are XML, not JSON). */
export async function readText(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length'));
  if (declared > limit) throw new AppError('REQUEST.TOO_LARGE', '请求内容过大', { status: 413 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('REQUEST.TOO_LARGE', '请求内容过大', { status: 413 });
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; anything that is not a JSON object is a 400. */
export async function readJson(ctx: Context, limit = 256 * 1024): Promise<unknown> {
  const type = ctx.get('content-type');
  if (type && !/json/i.test(type)) throw new AppError('REQUEST.UNSUPPORTED_TYPE', '请使用 JSON 格式提交（Content-Type: application/json）', { status: 415 });
  const text = await readText(ctx, limit);
  if (!text.trim()) throw badRequest('REQUEST.EMPTY_BODY', '请求体不能为空');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('REQUEST.INVALID_JSON', '请求体不是合法的 JSON');
  }
}

import Router from '@koa/router';
import type { MediaService } from '../../domain/media/media.service.js';
import { MAX_IMAGE_BYTES } from '../../domain/media/media.service.js';
import { AppError } from '../../shared/errors.js';

/** Images for welcome messages: POST the raw PNG/JPG bytes, get an asset id to put on a channel. */
export function mediaRoutes(d: { media: MediaService }): Router {
  const r = new Router({ prefix: '/api/media' });
  r.post('/images', async (ctx) => {
    const declared = Number(ctx.get('content-length'));
    if (declared > MAX_IMAGE_BYTES) throw new AppError('MEDIA.TOO_LARGE', '图片不能超过 2MB', { status: 413 });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of ctx.req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_IMAGE_BYTES) throw new AppError('MEDIA.TOO_LARGE', '图片不能超过 2MB', { status: 413 });
      chunks.push(c);
    }
    const a = await d.media.addImage(Buffer.concat(chunks), ctx.get('content-type'));
    ctx.status = 201;
    ctx.body = { id: a.id, size: a.size, contentType: a.contentType, sha1: a.sha1 };
  });
  return r;
}

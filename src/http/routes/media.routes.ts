import Router from '@koa/router';
import type { MediaService } from '../../domain/media/media.service.js';
import { MAX_IMAGE_BYTES } from '../../domain/media/media.service.js';
import { AppError } from '../../shared/errors.js';
import { readBytes } from '../body.js';

/** Images for welcome messages: POST the raw PNG/JPG bytes, get an asset id to put on a channel. */
export function mediaRoutes(d: { media: MediaService }): Router {
  const r = new Router({ prefix: '/api/media' });
  r.post('/images', async (ctx) => {
    const tooLarge = () => new AppError('MEDIA.TOO_LARGE', '图片不能超过 2MB', { status: 413 });
    const bytes = await readBytes(ctx, MAX_IMAGE_BYTES, tooLarge);
    const a = await d.media.addImage(bytes, ctx.get('content-type'));
    ctx.status = 201;
    ctx.body = { id: a.id, size: a.size, contentType: a.contentType, sha1: a.sha1 };
  });
  return r;
}

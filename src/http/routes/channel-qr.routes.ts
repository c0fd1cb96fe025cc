import Router from '@koa/router';
import type { Context } from 'koa';
import type { ChannelService } from '../../domain/channel/channel.service.js';
import type { Channel } from '../../domain/channel/channel.types.js';
import { buildZip, parseQrOptions, qrCacheKey, qrContentType, QrOptionsError, renderPosterSvg, renderQr, type PosterInput, type RenderCache } from '../../integrations/qr/index.js';
import { parseId } from '../validation.js';

export interface ChannelQrDeps {
  channels: ChannelService;
  cache: RenderCache;
  /** Where the landing page is reachable from a phone, e.g. https://siyu.example.com */
  /** Where phones reach this server (read per request: without PUBLIC_BASE_URL it is known only after listen). */
  publicBaseUrl: () => string;
}

/** The PNG sizes a caller may pick: a 2048 px PNG costs ~165 ms of CPU, so the set stays small and cacheable. */
const PNG_STEP = 64;

/** Answers a rendered image with its ETag (304 when the client has it) and a short private cache. */
export function sendRendered(ctx: Context, bytes: Buffer, etag: string, type: string, filename?: string): void {
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', 'private, max-age=300');
  if (ctx.get('if-none-match') === etag) {
    ctx.status = 304;
    return;
  }
  ctx.type = type;
  if (filename) ctx.attachment(filename);
  ctx.body = bytes;
}

/** What a channel's poster (SVG to print, PNG for the phone's album) says: name, offer line, placement. */
export function channelPoster(c: Channel, url: string): PosterInput {
  return { title: c.name, offer: c.offer ?? undefined, placement: Object.values(c.attributes).join(' · ') || undefined, url };
}

/**
 * QR codes and posters of channels. Everything is rendered once per channel version and
 * option set, kept in a byte-bounded cache, and answered with an ETag (304 when unchanged).
 */
export function channelQrRoutes(d: ChannelQrDeps): Router {
  const r = new Router({ prefix: '/api/channels' });
  const landingUrl = (c: Channel) => `${d.publicBaseUrl().replace(/\/$/, '')}/s/${c.code}`;


  r.get('/:id/qr.:format', async (ctx) => {
    const c = await d.channels.get(parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道'));
    const opts = parseQrOptions({ ...ctx.query, format: ctx.params.format });
    if (opts.format === 'png' && opts.size % PNG_STEP !== 0) throw new QrOptionsError('size', `图片尺寸需为 ${PNG_STEP} 的倍数`);
    const url = landingUrl(c);
    const { bytes, etag } = await d.cache.getOrRender(`${c.id}:${c.updatedAt}:${qrCacheKey(url, opts)}`, () => renderQr(url, opts));
    sendRendered(ctx, bytes, etag, qrContentType(opts.format));
  });

  r.get('/:id/poster.svg', async (ctx) => {
    const c = await d.channels.get(parseId(ctx.params.id, 'CHANNEL.INVALID_ID', '渠道'));
    const { bytes, etag } = await d.cache.getOrRender(`poster:${c.id}:${c.updatedAt}`, async () =>
      Buffer.from(await renderPosterSvg(channelPoster(c, landingUrl(c)))),
    );
    sendRendered(ctx, bytes, etag, 'image/svg+xml', `${c.name}.svg`);
  });

  r.get('/batch/:batchKey/posters.zip', async (ctx) => {
    const channels = await d.channels.listBatch(String(ctx.params.batchKey));
    const version = channels.map((c) => `${c.id}:${c.updatedAt}`).join(',');
    const { bytes, etag } = await d.cache.getOrRender(`posters:${ctx.params.batchKey}:${version}`, async () =>
      buildZip(await Promise.all(channels.map(async (c) => ({ name: `${c.name}.svg`, data: await renderPosterSvg(channelPoster(c, landingUrl(c))) })))),
    );
    sendRendered(ctx, bytes, etag, 'application/zip', `posters-${ctx.params.batchKey}.zip`);
  });

  return r;
}

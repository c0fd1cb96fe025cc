import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { AppError, badRequest, notFound } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

export interface MediaAsset {
  id: number;
  sha1: string;
  contentType: string;
  size: number;
}

export interface MediaRepo {
  /** Stores bytes once per content; returns the asset (existing or new). */
  insertAsset(a: { sha1: string; contentType: string; bytes: Buffer; createdAt: number }): Promise<MediaAsset>;
  findAsset(id: number): Promise<(MediaAsset & { bytes: Buffer }) | undefined>;
  assetExists(id: number): Promise<boolean>;
}

/** WeCom's temporary media: an id valid for 3 days. */
export interface MediaUploader {
  uploadImage(p: { bytes: Buffer; contentType: string; filename: string }): Promise<string>;
}

/** Where media ids are remembered between processes (Redis in production). */
export interface MediaIdCache {
  get(sha1: string): Promise<string | null>;
  set(sha1: string, mediaId: string, ttlMs: number): Promise<void>;
}

const IMAGE_TYPES: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg' };
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
/** WeCom keeps temporary media 3 days; re-upload well before. */
const MEDIA_ID_TTL_MS = 60 * 3600_000;

/**
 * Images for welcome messages (an image, or a mini-program card's cover). Siyu keeps the bytes;
 * WeCom only takes a temporary media id that expires after 3 days, so the id is cached for
 * 60 hours and the image uploaded again when it is gone.
 */
export class MediaService {
  private readonly sha1Of = new Map<number, string>();

  constructor(private readonly d: { repo: MediaRepo; uploader: MediaUploader; cache: MediaIdCache; clock: Clock; log: Logger }) {}

  async addImage(bytes: Buffer, contentType: string): Promise<MediaAsset> {
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    if (!IMAGE_TYPES[type]) throw new AppError('MEDIA.UNSUPPORTED_TYPE', '只支持 PNG 或 JPG 图片', { status: 415 });
    if (bytes.length === 0) throw badRequest('MEDIA.EMPTY', '图片内容为空');
    if (bytes.length > MAX_IMAGE_BYTES) throw new AppError('MEDIA.TOO_LARGE', '图片不能超过 2MB', { status: 413 });
    const png = bytes.length > 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const jpg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    if ((type === 'image/png' && !png) || (type === 'image/jpeg' && !jpg)) throw badRequest('MEDIA.NOT_AN_IMAGE', '文件内容不是有效的图片');
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    return this.d.repo.insertAsset({ sha1, contentType: type, bytes, createdAt: this.d.clock.now() });
  }

  async exists(id: number): Promise<boolean> {
    return this.d.repo.assetExists(id);
  }

  /**
   * A WeCom media id for the asset, uploading it if no live one is cached. This runs for every
   * welcome that carries an image, so the image bytes are read only when an upload is needed:
   * assets never change, and their content hash is remembered in memory.
   */
  async mediaIdFor(assetId: number): Promise<string> {
    let sha1 = this.sha1Of.get(assetId);
    if (sha1) {
      const cached = await this.d.cache.get(sha1);
      if (cached) return cached;
    }
    const a = await this.d.repo.findAsset(assetId);
    if (!a) throw notFound('MEDIA.NOT_FOUND', '图片不存在');
    sha1 = a.sha1;
    if (this.sha1Of.size > 10_000) this.sha1Of.clear();
    this.sha1Of.set(assetId, sha1);
    const cached = await this.d.cache.get(sha1);
    if (cached) return cached;
    const mediaId = await this.d.uploader.uploadImage({ bytes: a.bytes, contentType: a.contentType, filename: `${a.sha1.slice(0, 12)}.${IMAGE_TYPES[a.contentType]}` });
    await this.d.cache.set(a.sha1, mediaId, MEDIA_ID_TTL_MS);
    this.d.log.info({ assetId, size: a.size }, 'image uploaded to wecom');
    return mediaId;
  }
}

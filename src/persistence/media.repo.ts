import type { Knex } from 'knex';
import type { MediaAsset, MediaRepo } from '../domain/media/media.service.js';

export class SqlMediaRepo implements MediaRepo {
  constructor(private readonly db: Knex) {}

  async insertAsset(a: { sha1: string; contentType: string; bytes: Buffer; createdAt: number }): Promise<MediaAsset> {
    await this.db('media_assets').insert({ sha1: a.sha1, content_type: a.contentType, size: a.bytes.length, bytes: a.bytes, created_at: a.createdAt }).onConflict('sha1').ignore();
    const r = await this.db('media_assets').where({ sha1: a.sha1 }).first('id', 'sha1', 'content_type', 'size');
    return { id: Number(r.id), sha1: r.sha1, contentType: r.content_type, size: Number(r.size) };
  }

  async findAsset(id: number): Promise<(MediaAsset & { bytes: Buffer }) | undefined> {
    const r = await this.db('media_assets').where({ id }).first();
    return r && { id: Number(r.id), sha1: r.sha1, contentType: r.content_type, size: Number(r.size), bytes: Buffer.from(r.bytes) };
  }

  async assetExists(id: number): Promise<boolean> {
    return !!(await this.db('media_assets').where({ id }).first('id'));
  }
}

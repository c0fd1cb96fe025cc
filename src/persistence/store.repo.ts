import type { Knex } from 'knex';
import { StoreCodeTakenError, type NewStore, type Store, type StorePatch, type StoreRepo } from '../domain/store/store.service.js';
import type { StoreSettings } from '../domain/journey/journey.ports.js';
import { isDuplicate } from './db-errors.js';

const toStore = (r: Record<string, any>): Store => ({
  id: Number(r.id),
  code: r.code,
  name: r.name,
  // The engine reads a store's quiet hours only when both ends are set; so does this.
  quietHours: r.quiet_from && r.quiet_to ? { from: r.quiet_from, to: r.quiet_to } : null,
  dormantDays: r.dormant_days === null || r.dormant_days === undefined ? null : Number(r.dormant_days),
  createdAt: Number(r.created_at),
});

function toRow(p: StorePatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  if (p.code !== undefined) row.code = p.code;
  if (p.name !== undefined) row.name = p.name;
  if (p.quietHours !== undefined) {
    row.quiet_from = p.quietHours?.from ?? null;
    row.quiet_to = p.quietHours?.to ?? null;
  }
  if (p.dormantDays !== undefined) row.dormant_days = p.dormantDays;
  return row;
}

export class SqlStoreRepo implements StoreRepo {
  constructor(private readonly db: Knex) {}

  async insertStore(s: NewStore, now: number): Promise<number> {
    try {
      const [id] = await this.db('stores').insert({ ...toRow(s), created_at: now });
      return Number(id);
    } catch (e) {
      if (isDuplicate(e)) throw new StoreCodeTakenError();
      throw e;
    }
  }

  async findStore(id: number): Promise<Store | undefined> {
    const r = await this.db('stores').where({ id }).first();
    return r && toStore(r);
  }

  async listStores(): Promise<Store[]> {
    return (await this.db('stores').orderBy('id')).map(toStore);
  }

  async updateStore(id: number, patch: StorePatch): Promise<boolean> {
    const row = toRow(patch);
    if (Object.keys(row).length === 0) return !!(await this.db('stores').where({ id }).first('id'));
    try {
      // MySQL counts changed rows, not matched ones: an update to the same values reads as 0.
      await this.db('stores').where({ id }).update(row);
    } catch (e) {
      if (isDuplicate(e)) throw new StoreCodeTakenError();
      throw e;
    }
    return !!(await this.db('stores').where({ id }).first('id'));
  }
}

/** Stores' own journey settings (quiet hours). */
export class SqlStoreSettingsRepo implements StoreSettings {
  constructor(private readonly db: Knex) {}

  async quietHours(storeId: number): Promise<{ from: string; to: string } | undefined> {
    const r = await this.db('stores').where({ id: storeId }).first('quiet_from', 'quiet_to');
    return r?.quiet_from && r?.quiet_to ? { from: r.quiet_from, to: r.quiet_to } : undefined;
  }
}

import type { Clock } from '../../shared/clock.js';
import type { StoreRepo } from './store.service.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Store names for the `{store}` template variable. Every reply of the bot asks, and a store is
 * renamed perhaps once a year, so a name is kept for a minute: a rename shows in texts within
 * that time. No store (null) or an unknown id renders as ''.
 */
export class StoreNames {
  private readonly memo = new Map<number, { name: string; until: number }>();

  constructor(private readonly d: { repo: Pick<StoreRepo, 'findStore'>; clock: Clock; ttlMs?: number }) {}

  async nameOf(storeId: number | null): Promise<string> {
    if (storeId === null) return '';
    const now = this.d.clock.now();
    const hit = this.memo.get(storeId);
    if (hit && hit.until > now) return hit.name;
    const name = (await this.d.repo.findStore(storeId))?.name ?? '';
    if (this.memo.size >= MAX_ENTRIES) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(storeId, { name, until: now + (this.d.ttlMs ?? TTL_MS) });
    return name;
  }
}

import type { BotStatusPort } from '../domain/alert/alert.ports.js';
import type { BotLoginState, BotStatus } from '../domain/alert/alert.types.js';
import type { Cache } from '../shared/cache.js';
import type { CacheKeys } from '../shared/cache-keys.js';
import { TTL } from '../shared/cache-keys.js';

/**
 * The bot account's login state and heartbeat, in the cache so the jobs process (which
 * evaluates alerts) sees what the bot process reports. One bot process per account writes it.
 */
export class SqlBotStatusRepo implements BotStatusPort {
  constructor(
    private readonly cache: Cache,
    private readonly keys: CacheKeys,
  ) {}

  async report(account: string, state: BotLoginState, now: number): Promise<void> {
    const prev = await this.cache.get(this.keys.botStatus(account, 'state'));
    const p = prev === null ? undefined : (JSON.parse(prev) as { state: BotLoginState; since: number });
    const since = p && p.state === state ? p.since : now;
    await this.cache.set(this.keys.botStatus(account, 'state'), JSON.stringify({ state, since }), TTL.botStatusMs);
    await this.heartbeat(account, now);
  }

  /** A key of its own, so a heartbeat never writes back a state it read before a change. */
  heartbeat(account: string, now: number): Promise<void> {
    return this.cache.set(this.keys.botStatus(account, 'seen'), String(now), TTL.botStatusMs);
  }

  async read(account: string): Promise<BotStatus | undefined> {
    const [state, seen] = await Promise.all([this.cache.get(this.keys.botStatus(account, 'state')), this.cache.get(this.keys.botStatus(account, 'seen'))]);
    if (state === null) return undefined;
    const s = JSON.parse(state) as { state: BotLoginState; since: number };
    return { state: s.state, since: Number(s.since), seenAt: seen === null ? Number(s.since) : Number(seen) };
  }
}

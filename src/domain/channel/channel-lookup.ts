import type { Clock } from '../../shared/clock.js';
import type { ChannelRepo } from './channel.ports.js';
import type { Channel } from './channel.types.js';

/**
 * Channels by code, kept a few seconds in memory: every scan and every add looks one up and
 * channels change rarely. An edit in this process drops its entry at once (`forget`); other
 * processes see it within `ttlMs`.
 */
export class ChannelLookup {
  private readonly memo = new Map<string, { channel: Channel | undefined; until: number }>();

  constructor(
    private readonly channels: ChannelRepo,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  async byCode(code: string): Promise<Channel | undefined> {
    const now = this.clock.now();
    const hit = this.memo.get(code);
    if (hit && hit.until > now) return hit.channel;
    const channel = await this.channels.findChannelByCode(code);
    if (this.memo.size > 10_000) this.memo.clear();
    this.memo.set(code, { channel, until: now + this.ttlMs });
    return channel;
  }

  forget(code: string): void {
    this.memo.delete(code);
  }
}

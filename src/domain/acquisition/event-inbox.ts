import { GroupCommit } from '../../shared/group-commit.js';
import { randomToken } from '../../shared/ids.js';
import type { EventQueueRepo, NewInboundEvent } from './event-queue.ports.js';

/**
 * The callback path's durable inbox: events are group-committed (see GroupCommit), each batch
 * leased to a fresh owner, and handed to processing once committed. A request is answered only
 * after the INSERT holding its event has committed.
 */
export class EventInbox {
  private readonly commits: GroupCommit<NewInboundEvent>;

  constructor(
    private readonly store: EventQueueRepo,
    private readonly opts: {
      maxBatch: number;
      leaseMs: number;
      now: () => number;
      onCommitted: (owner: string, batch: NewInboundEvent[]) => void;
      /** Writes allowed in flight at once; more than one lets the database merge their syncs. */
      maxConcurrent?: number;
      onFlush?: (size: number, seconds: number) => void;
    },
  ) {
    this.commits = new GroupCommit((events) => this.write(events), { maxBatch: opts.maxBatch, maxConcurrent: opts.maxConcurrent });
  }

  accept(event: NewInboundEvent): Promise<void> {
    return this.commits.add(event);
  }

  private async write(events: NewInboundEvent[]): Promise<void> {
    const owner = `in-${randomToken(8)}`;
    // Two copies of one event in the same batch: keep one row, answer both.
    const unique = [...new Map(events.map((e) => [e.dedupeKey, e])).values()];
    const started = process.hrtime.bigint();
    await this.store.insertEvents(unique, owner, this.opts.now() + this.opts.leaseMs);
    this.opts.onFlush?.(unique.length, Number(process.hrtime.bigint() - started) / 1e9);
    const work = unique.filter((e) => e.needsWork !== false);
    if (work.length) this.opts.onCommitted(owner, work);
  }
}

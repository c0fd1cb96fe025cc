/**
 * Writes that arrive while one is in flight are written together in the next call, so each
 * caller waits for one round trip and the database sees far fewer statements under load.
 * A caller's promise settles when the write holding its item has committed (or failed).
 * With maxConcurrent > 1 several writes may be in flight, which lets MySQL merge their syncs.
 */
export class GroupCommit<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing = 0;
  private scheduled = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly opts: { maxBatch?: number; maxConcurrent?: number } = {},
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled && this.flushing < (this.opts.maxConcurrent ?? 1)) {
        this.scheduled = true;
        // Let the requests already parsed in this turn of the event loop join the batch.
        setImmediate(() => {
          this.scheduled = false;
          void this.flush();
        });
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.opts.maxBatch ?? 500);
        try {
          await this.write(batch.map((b) => b.item));
          for (const b of batch) b.resolve();
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.flushing--;
    }
  }
}

/**
 * A GroupCommit whose batch, when it fails as a whole, is written again item by item: one bad
 * item (a constraint, a validation error) fails only its own caller, not the whole batch.
 */
export class IsolatingGroupCommit<T> {
  private readonly gc: GroupCommit<{ item: T; error?: unknown }>;

  constructor(write: (items: T[]) => Promise<void>, opts: { maxBatch?: number; maxConcurrent?: number } = {}) {
    this.gc = new GroupCommit(async (entries) => {
      try {
        await write(entries.map((e) => e.item));
      } catch (batchError) {
        if (entries.length === 1) throw batchError;
        for (const e of entries) {
          try {
            await write([e.item]);
          } catch (err) {
            e.error = err;
          }
        }
      }
    }, opts);
  }

  async add(item: T): Promise<void> {
    const entry: { item: T; error?: unknown } = { item };
    await this.gc.add(entry);
    if (entry.error !== undefined) throw entry.error;
  }
}

import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { RuleVersion } from './rules.ports.js';

const DONE = Promise.resolve();

export interface VersionedDeps {
  version: RuleVersion;
  clock: Clock;
  log: Logger;
  /** How often maybeRefresh asks whether the data changed (default 5 s). */
  checkEveryMs?: number;
}

/**
 * An in-memory copy (rules, templates) kept in step with data edited by another process:
 * `refresh` reloads only when the shared version differs from the one loaded, `maybeRefresh`
 * asks for the version at most once per `checkEveryMs` so the message path does not hit the
 * cache per message. Refreshes run one after another, so a refresh asked for after a bump
 * always sees that bump.
 */
export abstract class VersionedCopy {
  private loaded: number | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private queue: Promise<unknown> = DONE;
  private readonly checkEveryMs: number;

  protected constructor(
    private readonly v: VersionedDeps,
    private readonly what: string,
  ) {
    this.checkEveryMs = v.checkEveryMs ?? 5_000;
  }

  /** Reads the data and swaps it in; the old copy stays if it fails. */
  protected abstract load(): Promise<void>;

  /** True if it reloaded. Fails when the version or the data cannot be read (the old copy stays). */
  refresh(): Promise<boolean> {
    const run = this.queue.then(async () => {
      const v = await this.v.version.get();
      if (v === this.loaded) return false;
      // The version is read before the data: a bump in between only causes one more reload.
      await this.load();
      this.loaded = v;
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Never fails: an unreachable cache or database is logged and the current copy kept. */
  maybeRefresh(): Promise<void> {
    const now = this.v.clock.now();
    if (now - this.lastCheck < this.checkEveryMs) return DONE;
    this.lastCheck = now;
    return this.refresh().then(
      () => undefined,
      (e: unknown) => this.v.log.warn({ what: this.what, err: e instanceof Error ? e.message : String(e) }, 'bot data not refreshed'),
    );
  }
}

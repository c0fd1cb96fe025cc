import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { RuleVersion } from './rules.ports.js';

const DONE = Promise.resolve();

/**
 * Keeps an in-memory copy (rules, templates) in step with data edited by another process:
 * `refresh` reloads only when the shared version differs from the one loaded, `maybeRefresh`
 * asks for the version at most once per `checkEveryMs` so the message path does not hit the
 * cache per message. Refreshes run one after another, so a refresh asked for after a bump
 * always sees that bump.
 */
export class VersionedLoader {
  private loaded: number | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private queue: Promise<unknown> = DONE;

  constructor(
    private readonly d: {
      version: RuleVersion;
      clock: Clock;
      checkEveryMs: number;
      load: () => Promise<void>;
      log: Logger;
      what: string;
    },
  ) {}

  /** True if it reloaded. Fails when the version or the data cannot be read (the old copy stays). */
  refresh(): Promise<boolean> {
    const run = this.queue.then(async () => {
      const v = await this.d.version.get();
      if (v === this.loaded) return false;
      // The version is read before the data: a bump in between only causes one more reload.
      await this.d.load();
      this.loaded = v;
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Never fails: an unreachable cache or database is logged and the current copy kept. */
  maybeRefresh(): Promise<void> {
    const now = this.d.clock.now();
    if (now - this.lastCheck < this.d.checkEveryMs) return DONE;
    this.lastCheck = now;
    return this.refresh().then(
      () => undefined,
      (e: unknown) => this.d.log.warn({ what: this.d.what, err: e instanceof Error ? e.message : String(e) }, 'bot data not refreshed'),
    );
  }
}

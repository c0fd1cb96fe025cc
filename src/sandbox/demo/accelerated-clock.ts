import type { Clock } from '../../shared/clock.js';

/**
 * The demo's clock: runs at wall-clock speed from a chosen start and can jump forward, never
 * back. Pacing that measures real gaps (the bot outbox's spacing) keeps working between jumps,
 * and every deadline already handed out (leases, tokens, due times) stays in the past or future
 * where it was.
 */
export class AcceleratedClock implements Clock {
  private offset: number;

  constructor(start: number) {
    this.offset = start - Date.now();
  }

  private frozenAt: number | undefined;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offset;
  }

  /**
   * Holds the clock still while `work` runs, then lets it run on from there. The demo's jobs
   * run frozen so everything they stamp (a touch's sent time, a cap's 7-day window) falls on
   * the exact slot time whatever the machine's speed: otherwise two touches 7 days apart could
   * land either side of the window by a few milliseconds, and the same seed would give
   * another month.
   */
  async frozen<T>(work: () => Promise<T>): Promise<T> {
    this.frozenAt = this.now();
    try {
      return await work();
    } finally {
      this.offset = this.frozenAt - Date.now();
      this.frozenAt = undefined;
    }
  }

  /** Moves the clock forward to `at`; a time already passed leaves it where it is. */
  jumpTo(at: number): void {
    const ahead = at - this.now();
    if (ahead > 0) this.offset += ahead;
  }
}

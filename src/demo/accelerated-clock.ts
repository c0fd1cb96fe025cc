import type { Clock } from '../shared/clock.js';

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

  now(): number {
    return Date.now() + this.offset;
  }

  /** Moves the clock forward to `at`; a time already passed leaves it where it is. */
  jumpTo(at: number): void {
    const ahead = at - this.now();
    if (ahead > 0) this.offset += ahead;
  }
}

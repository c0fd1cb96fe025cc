/**
 * WeCom's per-corp frequency limit (wecom-protocol.md §2.2): calls per API per minute, 10,000 by
 * default; past it the API answers 45009 until the minute is over. One emulator is one corp.
 */
export class RateWindow {
  private minute = -1;
  private counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  /** Counts a call to `path` at `now` (emulator clock); false when it is over the limit. */
  take(path: string, now: number): boolean {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) [this.minute, this.counts] = [minute, new Map()];
    const n = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, n);
    return n <= this.perMinute;
  }
}

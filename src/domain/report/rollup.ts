/**
 * Daily rollups of the append-only rows the reports count by the million (scans, leads): each
 * row is folded in exactly once, by id, up to a watermark; readers add the rows after the
 * watermark live, so a report reads the same numbers whether or not the job has run, and a row
 * that arrives late for a past day is counted for that day either way.
 */
export interface ReportRollupRepo {
  /**
   * Folds rows in up to the highest id seen at the previous call (a row is folded one call after
   * its id was handed out, never while its insert may still be uncommitted), at most `chunk`
   * rows per transaction. Safe to run concurrently and again: the watermark moves by
   * compare-and-set inside the transaction that adds the counts.
   */
  advance(o?: { now?: number; chunk?: number }): Promise<RollupAdvance>;
}

export interface RollupAdvance {
  /** Rows folded in, per source table. */
  folded: Record<string, number>;
  /** Rows left between the watermark and the highest id seen (folded by the next runs). */
  behind: Record<string, number>;
}

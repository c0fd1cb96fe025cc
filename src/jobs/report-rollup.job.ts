import type { ReportRollupRepo, RollupAdvance } from '../domain/report/rollup.js';
import type { Logger } from '../shared/logger.js';

/** Folds new scans and leads into the daily rollups the funnel and dashboard read (idempotent). */
export async function runReportRollup(d: { repo: ReportRollupRepo; now: number; log?: Logger }): Promise<RollupAdvance> {
  const r = await d.repo.advance({ now: d.now });
  d.log?.info({ folded: r.folded, behind: r.behind }, 'report rollups advanced');
  return r;
}

import { badRequest } from '../../shared/errors.js';
import { DAY_MS, shanghaiMidnightOf } from '../../shared/shanghai-time.js';

export interface NpsReport {
  from: string;
  to: string;
  storeId: number | null;
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** % promoters − % detractors, −100…100; null without responses. */
  nps: number | null;
}

/** Net Promoter Score of 0–10 answers: 9–10 promote, 7–8 are passive, 0–6 detract. */
export function npsOf(scores: readonly number[]): Pick<NpsReport, 'responses' | 'promoters' | 'passives' | 'detractors' | 'nps'> {
  const promoters = scores.filter((s) => s >= 9).length;
  const detractors = scores.filter((s) => s <= 6).length;
  const responses = scores.length;
  return { responses, promoters, passives: responses - promoters - detractors, detractors, nps: responses ? Math.round(((promoters - detractors) / responses) * 1000) / 10 : null };
}

export interface NpsRepo {
  /** Scores of NPS answers given in [from, to) (UTC ms), of one store or all. */
  listNpsScores(q: { from: number; to: number; storeId: number | null }): Promise<number[]>;
}

/** NPS per store and period (Asia/Shanghai days, both ends included). */
export async function npsReport(repo: NpsRepo, q: { from: string; to: string; storeId: number | null }): Promise<NpsReport> {
  const from = shanghaiMidnightOf(q.from);
  const to = shanghaiMidnightOf(q.to) + DAY_MS;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) throw badRequest('REPORT.BAD_PERIOD', '日期范围无效');
  if (to - from > 366 * DAY_MS) throw badRequest('REPORT.PERIOD_TOO_LONG', '日期范围不能超过一年');
  return { from: q.from, to: q.to, storeId: q.storeId, ...npsOf(await repo.listNpsScores({ from, to, storeId: q.storeId })) };
}

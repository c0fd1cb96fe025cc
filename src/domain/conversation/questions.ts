import type { QuestionKey } from './conversation.types.js';

export const QUESTIONS: readonly QuestionKey[] = ['nps', 'birthday'];

export const isQuestion = (s: string | null | undefined): s is QuestionKey => QUESTIONS.includes(s as QuestionKey);

export type Answer = { ok: true; value: string; score: number | null } | { ok: false };

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

/** The 0-10 recommendation score: "9", "９分", "十分", "8 分吧". Anything else is not an answer. */
export function parseNps(raw: string): Answer {
  const s = raw.normalize('NFKC').trim().replace(/[分吧。！!.\s]+$/u, '').trim();
  let n: number | undefined;
  if (/^\d{1,2}$/.test(s)) n = Number(s);
  else if (s.length === 1 && s in CN_DIGITS) n = CN_DIGITS[s];
  if (n === undefined || n < 0 || n > 10) return { ok: false };
  return { ok: true, value: String(n), score: n };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A birthday as month and day, optionally with the year: "3月5日", "03-05", "1990-03-05",
 * "1990年3月5日", "3/5". Stored as MM-DD or YYYY-MM-DD.
 */
export function parseBirthday(raw: string, nowYear: number): Answer {
  const s = raw.normalize('NFKC').trim().replace(/[号日。.\s]+$/u, '');
  const m = /^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})$/u.exec(s);
  if (!m) return { ok: false };
  const year = m[1] === undefined ? undefined : Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return { ok: false };
  if (year !== undefined) {
    if (year < 1900 || year > nowYear) return { ok: false };
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (month === 2 && day === 29 && !leap) return { ok: false };
  }
  const mmdd = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { ok: true, value: year === undefined ? mmdd : `${year}-${mmdd}`, score: null };
}

export function parseAnswer(q: QuestionKey, raw: string, nowYear: number): Answer {
  return q === 'nps' ? parseNps(raw) : parseBirthday(raw, nowYear);
}

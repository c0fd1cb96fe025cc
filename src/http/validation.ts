import { z } from 'zod';
import { badRequest } from '../shared/errors.js';

let configured = false;
/** Validation messages are shown to operators, so zod speaks Chinese. */
export function useChineseMessages(): void {
  if (configured) return;
  z.config(z.locales.zhCN());
  configured = true;
}

/** Trimmed, non-empty text of at most `max` characters, without control characters. */
export const printableText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), '不能包含控制字符');

export const idParam = z.coerce.number().int().positive();

export function parseId(raw: string | undefined, code: string, what: string): number {
  const r = idParam.safeParse(raw);
  if (!r.success) throw badRequest(code, `${what}编号无效`);
  return r.data;
}

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

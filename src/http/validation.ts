import { z } from 'zod';
import { badRequest } from '../shared/errors.js';

let configured = false;

const TYPE_NAMES: Record<string, string> = { string: '文字', number: '数字', int: '整数', boolean: '是或否（true/false）', array: '列表', object: '对象', date: '日期', bigint: '整数' };
const UNIT: Record<string, string> = { string: ' 个字', array: ' 项', set: ' 项', file: ' 字节' };

/** The text the error boundary puts after a missing field's name (toAppError reads it: 「缺少 name」). */
export const MISSING = '缺少';

/**
 * Plain Chinese for what was expected, with no type jargon (「期望 string，实际接收 undefined」 was
 * zod's): the error boundary prefixes the field's name, so `name 应为文字`, `amountFen 不能小于 1`.
 * Messages a schema gives itself (refine) are kept; anything not covered falls back to zod's zh-CN.
 */
function plainChinese(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return MISSING;
      return `应为${TYPE_NAMES[iss.expected] ?? '正确的类型'}`;
    case 'too_small': {
      const n = Number(iss.minimum);
      if (iss.origin === 'string' && n === 1) return '不能为空';
      if (iss.origin === 'array' && n === 1) return '至少需要 1 项';
      return iss.origin === 'number' || iss.origin === 'bigint' ? `不能小于 ${n}${iss.inclusive === false ? '（不含）' : ''}` : `至少 ${n}${UNIT[iss.origin] ?? ''}`;
    }
    case 'too_big': {
      const n = Number(iss.maximum);
      return iss.origin === 'number' || iss.origin === 'bigint' ? `不能大于 ${n}${iss.inclusive === false ? '（不含）' : ''}` : `最多 ${n}${UNIT[iss.origin] ?? ''}`;
    }
    case 'invalid_format':
      return iss.format === 'datetime' ? '应为带时区的时间，如 2026-05-01T20:00:00+08:00' : iss.format === 'url' ? '应为网址' : '格式不正确';
    case 'invalid_value':
      return `应为 ${iss.values.map((v) => String(v)).join('、')} 之一`;
    case 'unrecognized_keys':
      return `不支持的字段：${iss.keys.join('、')}`;
    case 'invalid_union':
      return '格式不正确';
    default:
      return undefined;
  }
}

/** Validation messages are shown to operators, so zod speaks plain Chinese. */
export function useChineseMessages(): void {
  if (configured) return;
  z.config(z.locales.zhCN());
  z.config({ customError: plainChinese });
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

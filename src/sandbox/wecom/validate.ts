import { E, fail } from './errors.js';

/**
 * Request readers. WeCom validates field by field and answers with the first problem's
 * errcode; these helpers let each route state its rules as one line per field instead of
 * hand-written if-chains.
 */

export interface StrRule {
  /** max length in characters (code points), as WeCom counts names and states */
  maxChars?: number;
  /** max length in UTF-8 bytes, as WeCom counts message bodies */
  maxBytes?: number;
  oneOf?: readonly string[];
  /** errcode when present but invalid; default 40058 */
  code?: number;
}

export interface IntRule {
  min?: number;
  max?: number;
  oneOf?: readonly number[];
  code?: number;
}

export interface ListRule {
  maxItems?: number;
  code?: number;
}

export const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');
export const charLength = (s: string) => [...s].length;

const isMissing = (v: unknown) => v === undefined || v === null || v === '';

export class Fields {
  constructor(
    private readonly o: Record<string, unknown>,
    private readonly path = '',
  ) {}

  static of(v: unknown, path = ''): Fields {
    return new Fields(v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}, path);
  }

  private name(n: string): string {
    return this.path ? `${this.path}.${n}` : n;
  }

  has(n: string): boolean {
    return !isMissing(this.o[n]);
  }

  raw(n: string): unknown {
    return this.o[n];
  }

  /** The whole object, for payloads the emulator stores without modelling. */
  all(): Record<string, unknown> {
    return this.o;
  }

  str(n: string, rule: StrRule = {}): string | undefined {
    const v = this.o[n];
    if (isMissing(v)) return undefined;
    const code = rule.code ?? E.INVALID_PARAM;
    if (typeof v !== 'string') fail(code, `${this.name(n)} must be a string`);
    if (rule.maxChars !== undefined && charLength(v) > rule.maxChars) fail(code, `${this.name(n)} exceeds ${rule.maxChars} chars`);
    if (rule.maxBytes !== undefined && byteLength(v) > rule.maxBytes) fail(code, `${this.name(n)} exceeds ${rule.maxBytes} bytes`);
    if (rule.oneOf && !rule.oneOf.includes(v)) fail(code, `${this.name(n)} must be one of ${rule.oneOf.join('|')}`);
    return v;
  }

  reqStr(n: string, missingCode: number, rule: StrRule = {}): string {
    const v = this.str(n, rule);
    if (v === undefined) fail(missingCode, `${this.name(n)} missing`);
    return v;
  }

  /** Integers may arrive as JSON numbers or numeric strings; WeCom accepts both. */
  int(n: string, rule: IntRule = {}): number | undefined {
    const v = this.o[n];
    if (isMissing(v)) return undefined;
    const code = rule.code ?? E.INVALID_PARAM;
    const num = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(num)) fail(code, `${this.name(n)} must be an integer`);
    if (rule.min !== undefined && num < rule.min) fail(code, `${this.name(n)} below ${rule.min}`);
    if (rule.max !== undefined && num > rule.max) fail(code, `${this.name(n)} above ${rule.max}`);
    if (rule.oneOf && !rule.oneOf.includes(num)) fail(code, `${this.name(n)} must be one of ${rule.oneOf.join('|')}`);
    return num;
  }

  reqInt(n: string, missingCode: number, rule: IntRule = {}): number {
    const v = this.int(n, rule);
    if (v === undefined) fail(missingCode, `${this.name(n)} missing`);
    return v;
  }

  /** Booleans: true/false or 0/1, as WeCom's examples use both. */
  bool(n: string): boolean | undefined {
    const v = this.o[n];
    if (isMissing(v)) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    return fail(E.INVALID_PARAM, `${this.name(n)} must be a boolean`);
  }

  strs(n: string, rule: ListRule = {}): string[] | undefined {
    const v = this.o[n];
    if (v === undefined || v === null) return undefined;
    const code = rule.code ?? E.INVALID_PARAM;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(code, `${this.name(n)} must be a string array`);
    if (rule.maxItems !== undefined && v.length > rule.maxItems) fail(code, `${this.name(n)} exceeds ${rule.maxItems} items`);
    return v as string[];
  }

  ints(n: string, rule: ListRule = {}): number[] | undefined {
    const v = this.o[n];
    if (v === undefined || v === null) return undefined;
    const code = rule.code ?? E.INVALID_PARAM;
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) fail(code, `${this.name(n)} must be an integer array`);
    if (rule.maxItems !== undefined && v.length > rule.maxItems) fail(code, `${this.name(n)} exceeds ${rule.maxItems} items`);
    return v as number[];
  }

  obj(n: string): Fields | undefined {
    const v = this.o[n];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) fail(E.INVALID_PARAM, `${this.name(n)} must be an object`);
    return new Fields(v as Record<string, unknown>, this.name(n));
  }

  objs(n: string, rule: ListRule = {}): Fields[] | undefined {
    const v = this.o[n];
    if (v === undefined || v === null) return undefined;
    const code = rule.code ?? E.INVALID_PARAM;
    if (!Array.isArray(v)) fail(code, `${this.name(n)} must be an array`);
    if (rule.maxItems !== undefined && v.length > rule.maxItems) fail(code, `${this.name(n)} exceeds ${rule.maxItems} items`);
    return v.map((x, i) => {
      if (!x || typeof x !== 'object' || Array.isArray(x)) fail(code, `${this.name(n)}[${i}] must be an object`);
      return new Fields(x as Record<string, unknown>, `${this.name(n)}[${i}]`);
    });
  }
}

/**
 * Opaque cursors: WeCom's are opaque strings; ours encode an offset so paging is stable while
 * the list is unchanged. An unparseable cursor is a parameter error, as it is on WeCom.
 */
export function paginate<T>(items: readonly T[], cursor: string | undefined, limit: number): { page: T[]; next: string } {
  let offset = 0;
  if (cursor) {
    const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!m) fail(E.INVALID_PARAM, 'invalid cursor');
    offset = Number(m[1]);
  }
  const page = items.slice(offset, offset + limit);
  const end = offset + page.length;
  return { page, next: end < items.length ? Buffer.from(`o:${end}`).toString('base64url') : '' };
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

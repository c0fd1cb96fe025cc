import { normalizeCnMobile } from '../../shared/pii.js';
import { orderKey } from './order.ports.js';

/**
 * Historical orders from a spreadsheet: parsing and per-row validation, no I/O. Row numbers are
 * the spreadsheet's line numbers (the header is row 1), so an operator can find the row to fix.
 */

export const CSV_MAX_ROWS = 50_000;
export const CSV_COLUMNS = ['order_no', 'paid_at', 'amount_yuan', 'phone', 'name', 'store_id', 'source'] as const;
const REQUIRED = ['order_no', 'paid_at', 'amount_yuan', 'phone'] as const;

export interface CsvOrderRow {
  row: number;
  source: string;
  orderNo: string;
  amountFen: number;
  paidAt: number;
  phone: string;
  name: string;
  storeId: number | null;
}

export interface RowError {
  row: number;
  reason: string;
}

export type CsvParse = { ok: true; rows: CsvOrderRow[]; errors: RowError[]; total: number } | { ok: false; reason: string };

/** RFC 4180 records: quoted fields with "" escapes and line breaks inside, CRLF or LF. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const LOCAL_TIME = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A payment time: ISO 8601 with an offset, or a spreadsheet's local time (YYYY-MM-DD[ HH:mm[:ss]],
 * slashes allowed) read as Asia/Shanghai. Impossible dates (2月30日) are refused, not rolled over.
 */
export function parsePaidAt(s: string): number | undefined {
  const iso = ISO_OFFSET.exec(s);
  const m = iso ?? LOCAL_TIME.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = m.slice(1, 7).map((x) => Number(x ?? 0)) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h, mi, sec);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return undefined;
  const zone = iso ? iso[7]! : '+08:00';
  if (zone === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  return wall - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

/** Yuan with at most two decimals → fen, by string arithmetic (no float rounding). */
export function yuanToFen(s: string): number | undefined {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return undefined;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen > 0 ? fen : undefined;
}

const SOURCE = /^[a-z][a-z0-9_-]{0,15}(?::[A-Za-z0-9_-]{1,32})?$/;

/** Parses and validates a whole file; `now` refuses payment times in the future. */
export function parseOrderCsv(text: string, now: number): CsvParse {
  const records = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  const header = (records.shift() ?? []).map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) return { ok: false, reason: `表头缺少列：${missing.join('、')}（应为 ${CSV_COLUMNS.join(',')}）` };
  const col = Object.fromEntries(CSV_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof CSV_COLUMNS)[number], number>;
  const dataRows = records.map((r, i) => ({ r, row: i + 2 })).filter(({ r }) => r.some((f) => f.trim() !== ''));
  if (dataRows.length > CSV_MAX_ROWS) return { ok: false, reason: `一次最多导入 ${CSV_MAX_ROWS} 行，请拆分文件` };

  const rows: CsvOrderRow[] = [];
  const errors: RowError[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { r, row } of dataRows) {
    const cell = (c: (typeof CSV_COLUMNS)[number]) => (col[c] >= 0 ? (r[col[c]] ?? '').trim() : '');
    const orderNo = cell('order_no');
    const paidAt = parsePaidAt(cell('paid_at'));
    const amountFen = yuanToFen(cell('amount_yuan'));
    const phone = normalizeCnMobile(cell('phone'));
    const name = cell('name');
    const storeRaw = cell('store_id');
    const source = cell('source') || 'csv';
    const fail = (reason: string) => errors.push({ row, reason });
    if (!orderNo) fail('订单号为空');
    else if (orderNo.length > 64 || /[\u0000-\u001f\u007f]/.test(orderNo)) fail('订单号过长或含有控制字符（最多 64 个字符）');
    else if (paidAt === undefined) fail('支付时间格式不正确（例：2024-01-01 12:00:00 或 2024-01-01T12:00:00+08:00）');
    else if (paidAt > now + 5 * 60_000) fail('支付时间晚于当前时间');
    else if (amountFen === undefined) fail('金额格式不正确（单位元，大于 0，最多两位小数）');
    else if (!phone) fail('手机号格式不正确');
    else if (name.length > 64) fail('姓名过长（最多 64 个字符）');
    else if (storeRaw && !/^[1-9]\d{0,9}$/.test(storeRaw)) fail('门店编号格式不正确');
    else if (!SOURCE.test(source)) fail('来源格式不正确（例：csv 或 pos:mall01）');
    else {
      const key = orderKey(source, orderNo);
      const first = firstRowOf.get(key);
      if (first !== undefined) fail(`订单号与第 ${first} 行重复`);
      else {
        firstRowOf.set(key, row);
        rows.push({ row, source, orderNo, amountFen, paidAt, phone, name, storeId: storeRaw ? Number(storeRaw) : null });
      }
    }
  }
  return { ok: true, rows, errors, total: dataRows.length };
}

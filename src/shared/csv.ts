export type CsvValue = string | number | null | undefined;

/**
 * One CSV cell: quoted when needed, and text a spreadsheet could read as a formula neutralised
 * with a leading quote. The triggers are OWASP's list: =, +, -, @, TAB and CR (a spreadsheet
 * skips a leading tab or CR and evaluates what follows); WeCom nicknames arrive as typed.
 */
export function csvCell(v: CsvValue): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document for spreadsheets: UTF-8 with a BOM (so Excel reads Chinese), CRLF lines. */
export function toCsv(head: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  return '\uFEFF' + [head.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

/** The start of a streamed CSV document: the BOM and the header line (toCsv's first bytes). */
export function csvHead(head: readonly string[]): string {
  return '\uFEFF' + head.map(csvCell).join(',') + '\r\n';
}

/** Rows of a streamed CSV document, each ended by CRLF: csvHead + csvLines of every batch equals toCsv. */
export function csvLines(rows: ReadonlyArray<readonly CsvValue[]>): string {
  let out = '';
  for (const r of rows) out += r.map(csvCell).join(',') + '\r\n';
  return out;
}

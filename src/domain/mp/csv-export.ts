import { csvHead, csvLines, type CsvValue } from '../../shared/csv.js';

/**
 * Rows one CSV export carries at most: 100,000 (about 10 MB of CSV; what a person can still open
 * in a spreadsheet and what takes a few seconds to read). Memory does not set it: rows stream
 * from the database in batches of {@link EXPORT_BATCH} by key straight into the response. A
 * larger selection is cut (newest first) and says so in the headers and the audit log.
 */
export const EXPORT_ROW_CAP = 100_000;
export const EXPORT_BATCH = 500;
/** Exports count their selection exactly (the audit log and X-Total-Count say how many matched). */
export const EXACT_COUNT = Number.MAX_SAFE_INTEGER - 1;

/** What an export answers with: the figures known before the first byte, and the CSV as a stream. */
export interface CsvExport {
  filename: string;
  rows: number;
  total: number;
  truncated: boolean;
  body: AsyncIterable<string>;
}

/** One batch of rows and how to fetch the next (undefined after the last). */
export interface Batch<T> {
  items: T[];
  next?: () => Promise<Batch<T>>;
}

/**
 * The CSV document of at most `rows` rows: the header, then each batch as it is read, turned
 * into cells by `cells` (which may look up names for the batch). Only one batch is held at a time.
 */
export async function* csvDocument<T>(head: readonly string[], first: Batch<T>, rows: number, cells: (items: T[]) => Promise<CsvValue[][]>): AsyncGenerator<string> {
  yield csvHead(head);
  let left = rows;
  let batch: Batch<T> | undefined = first;
  while (batch && left > 0) {
    const items = batch.items.slice(0, left);
    left -= items.length;
    if (items.length) yield csvLines(await cells(items));
    batch = left > 0 && batch.next ? await batch.next() : undefined;
  }
}

/** Names looked up once per export: each batch asks only for the ids it has not seen yet. */
export function nameCache<K>(lookup: (keys: K[]) => Promise<Map<K, string>>) {
  const known = new Map<K, string>();
  const asked = new Set<K>();
  return async (keys: Array<K | null>): Promise<Map<K, string>> => {
    const fresh = [...new Set(keys.filter((k): k is K => k !== null && !asked.has(k)))];
    if (fresh.length) {
      for (const k of fresh) asked.add(k);
      for (const [k, v] of await lookup(fresh)) known.set(k, v);
    }
    return known;
  };
}

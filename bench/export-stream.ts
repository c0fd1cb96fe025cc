/**
 * Reads a whole HQ customer export's rows the way the streamed export does (batches of 500 by
 * key) and the way the old export did (pages of 500 by OFFSET, COUNT(*) each page), reporting
 * time and peak heap. Ratios within one run only: the box is shared and noisy.
 *   node --import tsx bench/export-stream.ts mysql://root@127.0.0.1:3306/siyu_c_100k [rows]
 */
import { createDb } from '../src/persistence/db.js';
import { SqlMpRepo } from '../src/persistence/mp.repo.js';
import { EXPORT_BATCH } from '../src/domain/mp/csv-export.js';
import { csvLines } from '../src/shared/csv.js';

const url = process.argv[2]!;
const want = Number(process.argv[3] ?? 100_000);
const db = createDb({ mysqlUrl: url, sqliteFile: ':memory:', poolMax: 2 });
const repo = new SqlMpRepo(db);

async function run(label: string, next: (sent: number, lastId: number | undefined) => Promise<Array<{ id: number; name: string }>>) {
  global.gc?.();
  let peak = 0;
  let sent = 0;
  let bytes = 0;
  let lastId: number | undefined;
  const t0 = performance.now();
  while (sent < want) {
    const items = await next(sent, lastId);
    if (!items.length) break;
    bytes += csvLines(items.map((c) => [c.id, c.name])).length;
    sent += items.length;
    lastId = items[items.length - 1]!.id;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  console.log(`${label}: ${sent} rows, ${(bytes / 1e6).toFixed(1)} MB of CSV, ${((performance.now() - t0) / 1000).toFixed(1)} s, peak heap ${(peak / 1e6).toFixed(0)} MB`);
}

await run('keyset batches (streamed export)', async (_sent, lastId) => (await repo.listCustomers({ kind: 'all' }, {}, { limit: EXPORT_BATCH, offset: 0, beforeId: lastId, countCap: 0 })).items);
await run('OFFSET pages + COUNT(*) per page (the old export reads, without tags)', async (sent) => {
  const q = db('customers').whereNull('merged_into');
  await q.clone().count({ n: '*' });
  return q.orderBy('id', 'desc').limit(EXPORT_BATCH).offset(sent).select('id', 'name');
});
await db.destroy();

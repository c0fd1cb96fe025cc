/** Where the demo reports how far it is; the entry draws a bar, tests pass nothing. */
export type Progress = (done: number, total: number, label: string) => void;

/**
 * A plain-text bar on stderr: redrawn in place on a terminal, a line every 10% otherwise (CI
 * logs, pipes), so stdout carries only the summary.
 */
export function stderrBar(stream: NodeJS.WriteStream = process.stderr): Progress & { end(): void } {
  const width = 30;
  let lastTenth = -1;
  let drawn = false;
  const bar = (done: number, total: number, label: string) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${label}`;
    if (stream.isTTY) {
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
      return;
    }
    const tenth = Math.floor(ratio * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      stream.write(`${line}\n`);
    }
  };
  return Object.assign(bar, {
    end: () => {
      if (drawn) stream.write('\n');
    },
  });
}

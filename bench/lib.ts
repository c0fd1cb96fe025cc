import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

export interface Result {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Peak RSS (VmHWM) of the process measured: the app's own, or the bench process's for in-process scenarios. */
  rssMb?: number;
  /** What `rps` counts per second (default requests). */
  unit?: string;
  /** Whose RSS `rssMb` is when not the app server's (e.g. 'bench process'). */
  rssOf?: string;
  extra?: Record<string, string | number>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a child process and resolves once `ready(line)` matches a stdout/stderr line. */
export function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 30_000, onReadyLine?: (text: string) => void, ipc = false): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error(`process did not become ready: ${args.join(' ')}`)), timeoutMs);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (ready.test(buf)) {
        clearTimeout(timer);
        onReadyLine?.(buf);
        child.stdout!.removeAllListeners('data');
        child.stderr!.removeAllListeners('data');
        // Keep draining so a chatty child never blocks on a full pipe (BENCH_APP_LOG keeps it).
        if (process.env.BENCH_APP_LOG) {
          const out = createWriteStream(process.env.BENCH_APP_LOG, { flags: 'a' });
          child.stdout!.pipe(out);
          child.stderr!.pipe(out);
        } else {
          child.stdout!.resume();
          child.stderr!.resume();
        }
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} before ready: ${buf.slice(-2000)}`));
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    // Not Linux, or the process is gone: the table shows '–'.
    return undefined;
  }
}

/** Resident set size now (MB). */
export const rssMb = (pid: number) => statusMb(pid, 'VmRSS');
/** Peak resident set size of the process so far (VmHWM, MB). */
export const peakRssMb = (pid: number) => statusMb(pid, 'VmHWM');

/** Resets the process's peak RSS to its current RSS (Linux clear_refs 5), so the next peak belongs to what runs next. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Older kernels or no permission: the peak then spans everything the process ran before.
  }
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Requests per second overall; unset means as fast as the server answers. */
  rate?: number;
  method?: 'GET' | 'POST';
  /** Builds each request (distinct bodies); called once per request sent. */
  setupRequest?: (req: { path: string; method: string; body?: string; headers?: Record<string, string> }) => { path: string; method: string; body?: string; headers?: Record<string, string> };
}

export async function load(o: LoadOptions): Promise<autocannon.Result> {
  return autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
    pipelining: 1,
    ...(o.rate ? { overallRate: o.rate } : {}),
    method: o.method ?? 'GET',
    requests: o.setupRequest ? [{ setupRequest: o.setupRequest as never }] : undefined,
  });
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

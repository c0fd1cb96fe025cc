import type { ChildProcess } from 'node:child_process';
import { freePort, peakRssMb, percentile, startProcess, stopProcess, type Result } from './lib.js';

/**
 * Bursts of adds end to end (issue 15): the emulator process plays WeCom's push side, so each
 * WelcomeCode is minted the moment its callback is sent and the 20-s window is real; it also
 * enforces WeCom's per-corp rate limit (10,000 calls per API a minute, wecom-protocol.md §2.2),
 * and the app's own gate is set to the same figure. Welcome latency runs from the callback's
 * send to the emulator accepting send_welcome_msg.
 */

export interface BurstDeps {
  tsx: string[];
  corp: string;
  token: string;
  aes: string;
  adminKey: string;
  reps: string[];
  secrets: string[];
  appEnv(port: number, apiBase: string, dbEnv: Record<string, string>): Record<string, string>;
  freshBenchDb(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }>;
}

const WINDOW_MS = 20_000;
const RATE_PER_MINUTE = 10_000;

async function world(d: BurstDeps) {
  let url = '';
  const em = await startProcess([...d.tsx, 'bench/servers/emulator.ts'], { CORP: d.corp, SECRETS: d.secrets.join(','), REPS: d.reps.join(','), RATE_PER_MINUTE: String(RATE_PER_MINUTE) }, /EMULATOR (\S+)/, 30_000, (line) => {
    const m = /EMULATOR (\S+)/.exec(line);
    if (m) url = m[1]!;
  }, true);
  let next = 0;
  const pending = new Map<number, (v: { result: unknown }) => void>();
  em.on('message', (m: { id: number; result: unknown }) => pending.get(m.id)?.(m));
  const ask = <T>(msg: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      pending.set(id, (m) => resolve(m.result as T));
      em.send({ ...msg, id });
    });
  const db = await d.freshBenchDb();
  const port = await freePort();
  let app: ChildProcess | undefined;
  let configId: string;
  try {
    app = await startProcess([...d.tsx, 'src/main/all.ts'], { ...d.appEnv(port, url, db.env), WECOM_RATE_PER_MINUTE: String(RATE_PER_MINUTE) }, /siyu started/, 180_000);
    const base = `http://127.0.0.1:${port}`;
    await ask({ type: 'callback', url: `${base}/wecom/callback`, token: d.token, encodingAesKey: d.aes });
    const res = await fetch(`${base}/api/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '压测渠道', kind: 'poster', staffUserIds: d.reps, welcomeText: '您好{name}，欢迎！', tags: ['楼栋:1号楼'] }),
    });
    const channel = (await res.json()) as { configId: string };
    if (res.status !== 201) throw new Error(`channel create failed: ${res.status} ${JSON.stringify(channel)}`);
    configId = channel.configId;
  } catch (e) {
    if (app) await stopProcess(app);
    await stopProcess(em);
    await db.drop();
    throw e;
  }
  return {
    app: app!,
    base: `http://127.0.0.1:${port}`,
    /** `count` customers scan, `rate` a second (0: all at once); returns where their records start. */
    drive: (count: number, rate: number) => ask<{ from: number; ms: number }>({ type: 'drive', configId, rate, count }),
    /** [sentAt, welcomedAt | null] of every add driven since `from`. */
    driven: (from: number) => ask<Array<[number, number | null]>>({ type: 'driven', from }),
    close: async () => {
      await stopProcess(app!);
      await stopProcess(em);
      await db.drop();
    },
  };
}

/** Waits until every driven add is welcomed or its window (plus a margin) is over. */
async function settle(w: Awaited<ReturnType<typeof world>>, from: number): Promise<Array<[number, number | null]>> {
  for (;;) {
    const rows = await w.driven(from);
    const last = Math.max(...rows.map(([s]) => s));
    if (rows.every(([, at]) => at !== null) || Date.now() > last + WINDOW_MS + 2_000) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function metricsOf(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  return [...text.matchAll(/^siyu_welcome_sends_total\{outcome="([^"]+)"\} (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ') || '–';
}

/** 100 customers add at the same moment: every welcome, and how fast. */
export async function callbackBurst(d: BurstDeps, n = 100): Promise<Result> {
  const w = await world(d);
  try {
    // A first small burst warms the app (JIT, pools, token) and is not counted.
    await settle(w, (await w.drive(20, 0)).from);
    const { from } = await w.drive(n, 0);
    const rows = await settle(w, from);
    const lat = rows.flatMap(([s, at]) => (at === null ? [] : [at - s])).sort((a, b) => a - b);
    return {
      scenario: `burst of ${n} simultaneous adds (codes minted at send, WeCom rate limit on)`,
      rps: lat.length,
      unit: 'welcomes',
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      non2xx: 0,
      errors: n - lat.length,
      rssMb: peakRssMb(w.app.pid!),
      extra: { 'adds sent': n, 'welcomes delivered': lat.length, 'all delivered': lat.length === n ? 'yes' : 'no', 'welcome max ms': lat.at(-1) ?? NaN, 'welcome outcomes (app metrics)': await metricsOf(w.base) },
    };
  } finally {
    await w.close();
  }
}

/**
 * Capacity first: adds far faster than can be welcomed for `probeSec`, counting the welcomes
 * delivered a second (the pipeline's capacity, C, capped by the rate limit's sustained 166/s).
 * Then, on a fresh app and corp (fresh rate windows), adds at 3 × C for `seconds`: the welcomes
 * delivered inside each add's 20-s window, against C × seconds.
 */
export async function callbackOverload(d: BurstDeps, o: { probeSec: number; probeRate: number; seconds: number }): Promise<Result> {
  let capacity: number;
  const probe = await world(d);
  try {
    await settle(probe, (await probe.drive(20, 0)).from);
    const { from } = await probe.drive(o.probeRate * o.probeSec, o.probeRate);
    const rows = await settle(probe, from);
    const start = Math.min(...rows.map(([s]) => s));
    const inProbe = rows.filter(([, at]) => at !== null && at <= start + o.probeSec * 1000).length;
    capacity = Math.min(inProbe / o.probeSec, RATE_PER_MINUTE / 60);
  } finally {
    await probe.close();
  }
  const w = await world(d);
  try {
    await settle(w, (await w.drive(20, 0)).from);
    const rate = Math.max(1, Math.round(3 * capacity));
    const { from, ms } = await w.drive(rate * o.seconds, rate);
    const rows = await settle(w, from);
    const lat = rows.flatMap(([s, at]) => (at === null ? [] : [at - s])).sort((a, b) => a - b);
    const inWindow = lat.filter((x) => x <= WINDOW_MS).length;
    const deliverable = capacity * o.seconds;
    return {
      scenario: `adds at 3× capacity for ${o.seconds} s (${rate}/s; capacity ${Math.round(capacity)} welcomes/s measured first)`,
      rps: inWindow / o.seconds,
      unit: 'welcomes/s in window',
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      non2xx: 0,
      errors: 0,
      rssMb: peakRssMb(w.app.pid!),
      extra: {
        'capacity (welcomes/s, probe, ≤ rate limit 166.7/s)': capacity,
        'adds sent': rows.length,
        'send rate achieved /s': rows.length / (ms / 1000),
        'welcomes inside the 20-s window': inWindow,
        'what the pipeline can deliver in that time (C × s)': deliverable,
        'ratio (goal ≥ 90%)': `${Math.round((100 * inWindow) / deliverable)}%`,
        'welcome outcomes (app metrics)': await metricsOf(w.base),
      },
    };
  } finally {
    await w.close();
  }
}

import type { Knex } from 'knex';
import type { AlertSnapshotSource, BotStatusPort, JobRunLog } from '../domain/alert/alert.ports.js';
import type { AlertSnapshot, ChannelScans, JobExpectation } from '../domain/alert/alert.types.js';
import { DAY_MS, shanghaiDayStart } from '../shared/shanghai-time.js';
import type { SignalBuckets } from './alert-signals.js';

export interface OutboxDepth {
  pending: number;
  sending: number;
  /** Pending rows already due plus rows being sent. */
  due: number;
  oldestDueAt: number | null;
}

const WATCHED_ERRCODES = ['60020', '40001', '42001'];
const BASELINE_DAYS = 7;

/**
 * Reads what monitoring needs: outbox depth (also for /metrics), scans per channel for the
 * drop rule, and the alert snapshot (database + shared signals + bot status + job runs).
 */
export class SqlMonitoringRepo implements AlertSnapshotSource {
  constructor(
    private readonly d: { db: Knex; signals: SignalBuckets; botStatus: BotStatusPort; jobRuns: JobRunLog; account: string; windowMin: number; beforeRead?: () => Promise<void> },
  ) {}

  /** Two index range reads on (account, status, due_at): cheap enough for every scrape. */
  async outboxDepth(now: number): Promise<OutboxDepth> {
    const db = this.d.db;
    const rows = (await db('outbox')
      .where({ account: this.d.account })
      .whereIn('status', ['pending', 'sending'])
      .groupBy('status')
      .select('status')
      .count({ n: '*' })
      .sum({ due: db.raw("CASE WHEN status = 'sending' OR due_at <= ? THEN 1 ELSE 0 END", [now]) })) as Array<{ status: string; n: number | string; due: number | string | null }>;
    const oldest = (await db('outbox').where({ account: this.d.account, status: 'pending' }).where('due_at', '<=', now).min({ at: 'due_at' }).first()) as { at: number | string | null } | undefined;
    const out: OutboxDepth = { pending: 0, sending: 0, due: 0, oldestDueAt: oldest?.at === null || oldest?.at === undefined ? null : Number(oldest.at) };
    for (const r of rows) {
      if (r.status === 'pending' || r.status === 'sending') out[r.status] = Number(r.n);
      out.due += Number(r.due ?? 0);
    }
    return out;
  }

  /**
   * Scans per active channel today so far (Asia/Shanghai) and the average over the previous
   * 7 days between the same two times of day.
   */
  async channelScans(now: number): Promise<ChannelScans[]> {
    const dayStart = shanghaiDayStart(now);
    const elapsed = now - dayStart;
    const counts = await Promise.all(
      Array.from({ length: BASELINE_DAYS + 1 }, (_, i) => {
        const from = dayStart - i * DAY_MS;
        return this.d.db('scans').where('created_at', '>=', from).where('created_at', '<', from + elapsed).groupBy('channel_id').select('channel_id').count({ n: '*' }) as Promise<Array<{ channel_id: number; n: number | string }>>;
      }),
    );
    const per = new Map<number, { today: number; before: number }>();
    counts.forEach((rows, i) => {
      for (const r of rows) {
        const e = per.get(Number(r.channel_id)) ?? { today: 0, before: 0 };
        if (i === 0) e.today += Number(r.n);
        else e.before += Number(r.n);
        per.set(Number(r.channel_id), e);
      }
    });
    const ids = [...per.keys()];
    if (!ids.length) return [];
    // A channel whose run ended (active_until) is expected to go quiet.
    const channels = (await this.d.db('channels')
      .whereIn('id', ids)
      .where({ status: 'active' })
      .where((q) => q.whereNull('active_until').orWhere('active_until', '>', now))
      .select('id', 'name')) as Array<{ id: number; name: string }>;
    return channels.map((c) => {
      const e = per.get(Number(c.id))!;
      return { channelId: Number(c.id), name: c.name, today: e.today, baseline: e.before / BASELINE_DAYS };
    });
  }

  async read(now: number, jobs: JobExpectation[]): Promise<AlertSnapshot> {
    await this.d.beforeRead?.();
    const from = now - this.d.windowMin * 60_000;
    const sum = (name: string) => this.d.signals.sum(name, from, now);
    const [cbOk, cbFailed, evFailed, calls, api, sent, failed, outbox, runs, bot, scans] = await Promise.all([
      sum('cb.ok'),
      sum('cb.failed'),
      sum('ev.failed'),
      sum('api.all'),
      Promise.all(WATCHED_ERRCODES.map(async (c) => [c, await sum(`api.${c}`)] as const)),
      sum('ob.sent'),
      sum('ob.failed'),
      this.outboxDepth(now),
      this.d.jobRuns.listRuns(jobs.map((j) => j.name)),
      this.d.botStatus.read(this.d.account),
      this.channelScans(now),
    ]);
    const byErrcode = Object.fromEntries(api);
    const runOf = new Map(runs.map((r) => [r.job, r]));
    return {
      now,
      windowMin: this.d.windowMin,
      // An event that failed for good was an accepted callback: a failure, not an extra callback.
      callbacks: { total: cbOk + cbFailed, failed: cbFailed + evFailed },
      wecom: { calls, byErrcode },
      sends: { sent, failed },
      outbox: { due: outbox.due, oldestDueAt: outbox.oldestDueAt },
      jobs: jobs.map((j) => ({ ...j, run: runOf.get(j.name) })),
      bot: { account: this.d.account, status: bot },
      scans,
    };
  }
}

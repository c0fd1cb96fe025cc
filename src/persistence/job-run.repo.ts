import type { Knex } from 'knex';
import type { JobRunLog } from '../domain/alert/alert.ports.js';
import type { JobRun } from '../domain/alert/alert.types.js';

interface Row {
  job: string;
  registered_at: number | string;
  last_ok_at: number | string | null;
  last_failed_at: number | string | null;
  last_error: string | null;
}

const nn = (v: number | string | null) => (v === null ? null : Number(v));

/** job_runs: the last run of each scheduled job, shared by every jobs instance. */
export class SqlJobRunRepo implements JobRunLog {
  constructor(private readonly db: Knex) {}

  async register(jobs: string[], now: number): Promise<void> {
    if (!jobs.length) return;
    // Keeps the first registration: a restarted scheduler must not reset a stale job's clock.
    await this.db('job_runs')
      .insert(jobs.map((job) => ({ job, registered_at: now })))
      .onConflict('job')
      .ignore();
  }

  async recordOk(job: string, now: number, durationMs: number): Promise<void> {
    await this.upsert(job, now, { last_ok_at: now, last_duration_ms: Math.min(Math.round(durationMs), 2_147_483_647) });
  }

  async recordFailed(job: string, now: number, error: string): Promise<void> {
    await this.upsert(job, now, { last_failed_at: now, last_error: error.slice(0, 255) });
  }

  async listRuns(jobs: string[]): Promise<JobRun[]> {
    if (!jobs.length) return [];
    const rows = (await this.db<Row>('job_runs').whereIn('job', jobs)) as Row[];
    return rows.map((r) => ({ job: r.job, registeredAt: Number(r.registered_at), lastOkAt: nn(r.last_ok_at), lastFailedAt: nn(r.last_failed_at), lastError: r.last_error }));
  }

  private async upsert(job: string, now: number, set: Record<string, unknown>): Promise<void> {
    await this.db('job_runs').insert({ job, registered_at: now, ...set }).onConflict('job').merge(set);
  }
}

import type { AlertSnapshot, AlertState, BotLoginState, BotStatus, Finding, JobExpectation, JobRun } from './alert.types.js';

/** Reads what the rules need (database, shared counters, bot status). Throws when it cannot: the evaluation is then skipped, nothing changes. */
export interface AlertSnapshotSource {
  read(now: number, jobs: JobExpectation[]): Promise<AlertSnapshot>;
}

/**
 * Alert state rows. Every change is compare-and-set on `version`: a method returns the new
 * version when this caller made the change, or undefined when another evaluator got there
 * first (that caller then sends nothing).
 */
export interface AlertStateRepo {
  listAlerts(status?: AlertState['status']): Promise<AlertState[]>;
  /** A new alert, firing and marked notified at `now`; undefined when the key already exists. */
  insertFiring(key: string, f: Finding, now: number): Promise<number | undefined>;
  /** A resolved alert fires again (a new episode: firedAt = now). */
  reopen(key: string, version: number, f: Finding, now: number): Promise<number | undefined>;
  /**
   * A firing alert whose notice (first or reminder) goes out now; `notices` is added to the
   * count of notices sent (-1 gives back one that could not be sent).
   */
  updateNotified(key: string, version: number, f: Finding, notifiedAt: number | null, now: number, notices: 1 | -1): Promise<number | undefined>;
  updateResolved(key: string, version: number, now: number): Promise<number | undefined>;
}

/** Sends a text to the admins; throws when it could not. */
export interface AlertNotifier {
  notify(text: string): Promise<void>;
}

/** Where the scheduler records runs, for the job_stale rule. */
export interface JobRunLog {
  register(jobs: string[], now: number): Promise<void>;
  recordOk(job: string, now: number, durationMs: number): Promise<void>;
  recordFailed(job: string, now: number, error: string): Promise<void>;
  listRuns(jobs: string[]): Promise<JobRun[]>;
}

/** The bot process reports its login state and a heartbeat; the evaluator reads them. */
export interface BotStatusPort {
  report(account: string, state: BotLoginState, now: number): Promise<void>;
  heartbeat(account: string, now: number): Promise<void>;
  read(account: string): Promise<BotStatus | undefined>;
}

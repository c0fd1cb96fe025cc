import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { AlertNotifier, AlertSnapshotSource, AlertStateRepo } from './alert.ports.js';
import { findFiring, notices } from './alert.rules.js';
import { alertKey, type AlertRulesConfig, type AlertState, type Finding, type JobExpectation } from './alert.types.js';

export interface AlertServiceDeps {
  source: AlertSnapshotSource;
  states: AlertStateRepo;
  notifier: AlertNotifier;
  rules: AlertRulesConfig;
  /** While an alert keeps firing, a reminder goes out at most this often. */
  remindEveryMs: number;
  clock: Clock;
  log: Logger;
  /** After each evaluation: how many alerts fire, per rule (metrics). */
  onEvaluated?(firing: Finding[]): void;
  onNotice?(kind: 'firing' | 'reminder' | 'resolved', ok: boolean): void;
}

export interface EvaluationResult {
  firing: number;
  fired: number;
  reminded: number;
  resolved: number;
  notifyFailed: number;
}

/**
 * Evaluates the rules over one snapshot and turns changes into admin notices: 【告警】 once
 * when an alert starts firing, a reminder at most every `remindEveryMs` while it fires, and
 * 【恢复】 when it stops. Each notice follows a compare-and-set on the alert's row, so
 * evaluators running side by side (or a rerun after a crash) send it once. A notice that
 * could not be sent is retried at the next evaluation.
 */
export class AlertService {
  constructor(private readonly d: AlertServiceDeps) {}

  list(status?: AlertState['status']): Promise<AlertState[]> {
    return this.d.states.listAlerts(status);
  }

  async evaluate(o: { jobs?: JobExpectation[] } = {}): Promise<EvaluationResult> {
    const now = this.d.clock.now();
    const snapshot = await this.d.source.read(now, o.jobs ?? []);
    const firing = findFiring(snapshot, this.d.rules);
    this.d.onEvaluated?.(firing);
    const known = new Map((await this.d.states.listAlerts()).map((s) => [s.key, s]));
    const result: EvaluationResult = { firing: firing.length, fired: 0, reminded: 0, resolved: 0, notifyFailed: 0 };
    const { states } = this.d;

    for (const f of firing) {
      const key = alertKey(f);
      const st = known.get(key);
      known.delete(key);
      if (!st || st.status === 'resolved') {
        const v = st ? await states.reopen(key, st.version, f, now) : await states.insertFiring(key, f, now);
        if (v === undefined) continue;
        if (await this.send('firing', notices.firing(f))) result.fired++;
        else await this.unmark(key, v, f, null, result);
        continue;
      }
      const due = st.lastNotifiedAt === null || now - st.lastNotifiedAt >= this.d.remindEveryMs;
      if (!due) continue;
      const v = await states.updateNotified(key, st.version, f, now, now, 1);
      if (v === undefined) continue;
      // A firing notice that never went out is still owed as such, not as a reminder.
      const first = st.lastNotifiedAt === null;
      if (await this.send(first ? 'firing' : 'reminder', first ? notices.firing(f) : notices.reminder(f, st.firedAt, now))) {
        if (first) result.fired++;
        else result.reminded++;
      } else await this.unmark(key, v, f, st.lastNotifiedAt, result);
    }

    for (const st of known.values()) {
      if (st.status !== 'firing') continue;
      const v = await states.updateResolved(st.key, st.version, now);
      if (v === undefined) continue;
      result.resolved++;
      // Admins who never heard of the alert need no recovery notice.
      if (st.lastNotifiedAt !== null && !(await this.send('resolved', notices.resolved(st.title, st.firedAt, now)))) result.notifyFailed++;
    }
    if (result.fired || result.reminded || result.resolved) this.d.log.info({ ...result }, 'alerts evaluated');
    return result;
  }

  private async send(kind: 'firing' | 'reminder' | 'resolved', text: string): Promise<boolean> {
    try {
      await this.d.notifier.notify(text);
      this.d.onNotice?.(kind, true);
      return true;
    } catch (e) {
      this.d.onNotice?.(kind, false);
      this.d.log.warn({ kind, err: (e as Error).message }, 'alert notice not sent; retried at the next evaluation');
      return false;
    }
  }

  /** Gives the notice back: the next evaluation finds it owed and sends it again. */
  private async unmark(key: string, version: number, f: Finding, previous: number | null, result: EvaluationResult): Promise<void> {
    result.notifyFailed++;
    await this.d.states.updateNotified(key, version, f, previous, this.d.clock.now(), -1);
  }
}

import test from 'ava';
import { findFiring, notices } from '../../src/domain/alert/alert.rules.js';
import type { AlertRulesConfig, AlertSnapshot } from '../../src/domain/alert/alert.types.js';
import { loadConfig } from '../../src/config/config.js';

const MIN = 60_000;
const now = Date.UTC(2026, 0, 8, 4, 0);
const cfg = (): AlertRulesConfig => {
  const c = loadConfig({ env: { NODE_ENV: 'test' } });
  return { windowMin: c.alerts.windowMin, ...c.alerts.rules };
};
const quiet = (): AlertSnapshot => ({
  now,
  windowMin: 15,
  callbacks: { total: 500, failed: 0 },
  wecom: { calls: 300, byErrcode: {} },
  sends: { sent: 100, failed: 0 },
  outbox: { due: 0, oldestDueAt: null },
  jobs: [{ name: 'rfm-nightly', everyMs: 24 * 60 * MIN, run: { job: 'rfm-nightly', registeredAt: now - 3 * 86_400_000, lastOkAt: now - 3600_000, lastFailedAt: null, lastError: null } }],
  bot: { account: 'default', status: { state: 'logged_in', since: now - 86_400_000, seenAt: now - 10_000 } },
  scans: [{ channelId: 1, name: '3号楼-A', today: 40, baseline: 42 }],
});
const rules = (s: AlertSnapshot, c = cfg()) => findFiring(s, c).map((f) => f.rule);

test('a healthy snapshot fires nothing with the default thresholds', (t) => {
  t.deepEqual(rules(quiet()), []);
});

test('each rule fires on its own situation and names it in Chinese', (t) => {
  const cases: Array<[string, (s: AlertSnapshot) => void]> = [
    ['callback_failures', (s) => (s.callbacks = { total: 40, failed: 12 })],
    ['wecom_ip_blocked', (s) => (s.wecom.byErrcode = { '60020': 1 })],
    ['wecom_token_invalid', (s) => (s.wecom.byErrcode = { '40001': 2, '42001': 1 })],
    ['send_failures', (s) => (s.sends = { sent: 10, failed: 5 })],
    ['job_stale', (s) => (s.jobs[0]!.run!.lastOkAt = now - 48 * 60 * MIN - 11 * MIN)],
    ['bot_logged_out', (s) => (s.bot.status = { state: 'logged_out', since: now - 6 * MIN, seenAt: now })],
    ['bot_logged_out', (s) => (s.bot.status!.seenAt = now - 6 * MIN)],
    ['outbox_backlog', (s) => (s.outbox = { due: 3, oldestDueAt: now - 31 * MIN })],
    ['outbox_backlog', (s) => (s.outbox = { due: 200, oldestDueAt: now - MIN })],
    ['scan_drop', (s) => (s.scans[0]!.today = 5)],
  ];
  for (const [rule, change] of cases) {
    const s = quiet();
    change(s);
    const found = findFiring(s, cfg());
    t.deepEqual(found.map((f) => f.rule), [rule], rule);
    t.regex(notices.firing(found[0]!), /^【告警】\p{Script=Han}/u);
  }
});

test('minimum counts and baselines keep small numbers from alerting', (t) => {
  const s = quiet();
  s.callbacks = { total: 4, failed: 4 };
  s.sends = { sent: 0, failed: 2 };
  s.wecom.byErrcode = { '40001': 2 };
  s.scans = [{ channelId: 2, name: '冷门渠道', today: 0, baseline: 19 }];
  s.bot.status = { state: 'logged_out', since: now - 4 * MIN, seenAt: now };
  // Never succeeded, listed 48 h ago: within 2 × 24 h + 10 min.
  s.jobs[0]!.run = { job: 'rfm-nightly', registeredAt: now - 48 * 60 * MIN, lastOkAt: null, lastFailedAt: null, lastError: null };
  t.deepEqual(rules(s), []);
  // No report from a bot at all (never deployed) and a job no scheduler listed: nothing to compare with.
  s.bot.status = undefined;
  s.jobs[0]!.run = undefined;
  t.deepEqual(rules(s), []);
});

test('a disabled rule never fires; drops across many channels make one alert listing five', (t) => {
  const c = cfg();
  c.wecomIpBlocked.enabled = false;
  const s = quiet();
  s.wecom.byErrcode = { '60020': 9 };
  s.scans = Array.from({ length: 8 }, (_, i) => ({ channelId: i + 1, name: `渠道${i + 1}`, today: i, baseline: 50 }));
  const found = findFiring(s, c);
  t.deepEqual(found.map((f) => f.rule), ['scan_drop']);
  t.is(found[0]!.detail.split('；').length, 5);
  t.regex(found[0]!.detail, /等 8 个渠道/);
});

import test from 'ava';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const problems = (env: Record<string, string>, overrides?: Record<string, unknown>) => {
  try {
    loadConfig({ env: { NODE_ENV: 'test', ...env }, overrides });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

test('alert settings come from config with defaults, env switches them, and bad thresholds are all listed at start-up', (t) => {
  const c = loadConfig({ env: { NODE_ENV: 'test' } });
  t.like(c.alerts, { enabled: true, everySec: 60, windowMin: 15, remindEveryHours: 4 });
  t.like(c.alerts.rules.scanDrop, { enabled: true, minBaseline: 20, minDrop: 0.6 });
  t.like(loadConfig({ env: { NODE_ENV: 'test', ALERTS_ENABLED: 'false', ALERTS_WINDOW_MIN: '30' } }).alerts, { enabled: false, windowMin: 30 });

  const p = problems(
    { ALERTS_ENABLED: 'sometimes', ALERTS_WINDOW_MIN: '0', ALERTS_REMIND_EVERY_HOURS: '0' },
    { alerts: { rules: { scanDrop: { minDrop: 2 }, outboxBacklog: { maxDue: 0 }, callbackFailures: { maxRatio: -1 } } } },
  );
  for (const key of ['alerts.enabled', 'alerts.windowMin', 'alerts.remindEveryHours', 'alerts.rules.scanDrop.minDrop', 'alerts.rules.outboxBacklog.maxDue', 'alerts.rules.callbackFailures.maxRatio']) {
    t.true(p.some((x) => x.startsWith(`${key}:`)), key);
  }
});

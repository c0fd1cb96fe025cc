import test from 'ava';
import { inQuietHours, nextSendable, parseHm, retryForRoute, ROUTE_RETRY_MS, ROUTE_WAIT_MS, waitUntil, withinCaps } from '../../src/domain/journey/policy.js';
import { journeyProblems } from '../../src/domain/journey/journey.service.js';

// Asia/Shanghai wall time → UTC ms.
const sh = (iso: string) => Date.parse(`${iso}+08:00`);
const q = { fromMin: parseHm('21:00'), toMin: parseHm('09:00') };

test('quiet hours wrap midnight; the next sendable moment is 09:00 the same or the next morning', (t) => {
  t.false(inQuietHours(sh('2026-03-01T20:59:59'), q));
  t.true(inQuietHours(sh('2026-03-01T21:00:00'), q));
  t.true(inQuietHours(sh('2026-03-02T08:59:00'), q));
  t.false(inQuietHours(sh('2026-03-02T09:00:00'), q));
  t.is(nextSendable(sh('2026-03-01T22:15:00'), q), sh('2026-03-02T09:00:00'));
  t.is(nextSendable(sh('2026-03-02T03:00:00'), q), sh('2026-03-02T09:00:00'));
  t.is(nextSendable(sh('2026-03-02T12:00:00'), q), sh('2026-03-02T12:00:00'));
  t.false(inQuietHours(sh('2026-03-02T03:00:00'), { fromMin: 0, toMin: 0 }), 'equal ends: no quiet hours');
});

test('waits: a duration; "day N at HH:MM" lands on that calendar day; a time alone is the next occurrence', (t) => {
  const from = sh('2026-03-01T10:10:00');
  t.is(waitUntil(from, { minutes: 10 }), sh('2026-03-01T10:20:00'));
  t.is(waitUntil(from, { days: 3, atMin: parseHm('10:00') }), sh('2026-03-04T10:00:00'));
  t.is(waitUntil(from, { atMin: parseHm('18:00') }), sh('2026-03-01T18:00:00'));
  t.is(waitUntil(from, { atMin: parseHm('09:00') }), sh('2026-03-02T09:00:00'));
  t.throws(() => parseHm('24:00'));
});

test('caps: at most N a day and M a week', (t) => {
  t.true(withinCaps(0, 2, { perDay: 1, perWeek: 3 }));
  t.false(withinCaps(1, 1, { perDay: 1, perWeek: 3 }));
  t.false(withinCaps(0, 3, { perDay: 1, perWeek: 3 }));
});

test('journey definitions: branch targets, loops without a wait, missing arguments are reported', (t) => {
  const base = { goal: null, reentry: 'always' as const, reentryDays: null, trigger: 'order_paid' as const, triggerArg: null };
  t.deepEqual(journeyProblems({ ...base, steps: [{ type: 'send', text: '你好' }] }), []);
  t.true(journeyProblems({ ...base, steps: [] }).some((p) => p.includes('至少需要一个步骤')));
  t.true(journeyProblems({ ...base, steps: [{ type: 'send', text: 'a' }, { type: 'branch', if: { kind: 'replied' }, then: 0, else: 'end' }] }).some((p) => p.includes('必须有等待')));
  t.deepEqual(journeyProblems({ ...base, steps: [{ type: 'wait', days: 1 }, { type: 'branch', if: { kind: 'replied' }, then: 0, else: 'end' }] }), []);
  t.true(journeyProblems({ ...base, trigger: 'tag_added', steps: [{ type: 'send', text: 'a' }] }).some((p) => p.includes('指定标签或分群')));
  t.true(journeyProblems({ ...base, reentry: 'after_days', steps: [{ type: 'send', text: 'a' }] }).some((p) => p.includes('天数')));
});

test('a touch with no route yet looks again every 30 s for 30 minutes after it was made, then gives up', (t) => {
  const made = 1_000_000;
  t.is(retryForRoute(made, made), made + ROUTE_RETRY_MS);
  t.is(retryForRoute(made + ROUTE_WAIT_MS - 1, made), made + ROUTE_WAIT_MS - 1 + ROUTE_RETRY_MS);
  t.is(retryForRoute(made + ROUTE_WAIT_MS, made), undefined);
});

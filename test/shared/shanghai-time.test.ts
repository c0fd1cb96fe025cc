import test from 'ava';
import { shanghaiDay, shanghaiDayStart, shanghaiMidnightOf, shanghaiMinuteOfDay } from '../../src/shared/shanghai-time.js';

test('the Shanghai day starts at 16:00 UTC the day before', (t) => {
  const lateUtc = Date.parse('2026-12-01T17:30:00Z'); // 01:30 on Dec 2 in Shanghai
  t.is(shanghaiDay(lateUtc), 20261202);
  t.is(shanghaiDayStart(lateUtc), Date.parse('2026-12-01T16:00:00Z'));
  t.is(shanghaiMinuteOfDay(lateUtc), 90);
  t.is(shanghaiMidnightOf('2026-12-02'), Date.parse('2026-12-01T16:00:00Z'));
  t.is(shanghaiDay(Date.parse('2026-12-01T15:59:59Z')), 20261201);
  t.true(Number.isNaN(shanghaiMidnightOf('2026-13-40')));
});

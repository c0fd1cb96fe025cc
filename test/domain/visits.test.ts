import test from 'ava';
import { countVisit, formatVisitorMark, parseVisitorMark } from '../../src/domain/landing/visits.js';

const ID = 'a'.repeat(32);

test('a visitor is counted once per channel and Shanghai day, and again the next day', (t) => {
  let mark = parseVisitorMark(ID)!;
  t.deepEqual(mark, { id: ID, day: 0, channels: [] }, 'an older cookie (id only) is still the same visitor');
  const scan = (channelId: number, day: number) => {
    const r = countVisit(mark, channelId, day);
    mark = parseVisitorMark(formatVisitorMark(r.mark))!;
    return r.firstOfDay;
  };
  t.deepEqual([scan(7, 20261125), scan(7, 20261125), scan(8, 20261125), scan(7, 20261125)], [true, false, true, false]);
  t.is(formatVisitorMark(mark), `${ID}.20261125.7-8`);
  t.true(scan(7, 20261126), 'a new day');
  t.is(formatVisitorMark(mark), `${ID}.20261126.7`, "yesterday's channels are dropped");
});

test('the mark remembers at most 30 channels a day, forgetting the oldest', (t) => {
  let mark = parseVisitorMark(ID)!;
  for (let c = 1; c <= 31; c++) mark = countVisit(mark, c, 20261125).mark;
  t.is(mark.channels.length, 30);
  t.false(mark.channels.includes(1));
  t.true(countVisit(mark, 1, 20261125).firstOfDay);
  t.false(countVisit(mark, 31, 20261125).firstOfDay);
});

test('anything but our own format is no cookie at all', (t) => {
  for (const bad of ['', 'x', 'A'.repeat(32), `${ID}x`, '<script>', `${'g'.repeat(32)}.20261125.1`]) t.is(parseVisitorMark(bad), undefined, bad);
  // A readable id with a mangled list keeps the id (the form token is bound to it) and counts afresh.
  t.deepEqual(parseVisitorMark(`${ID}.2026.1-x`), { id: ID, day: 0, channels: [] });
});

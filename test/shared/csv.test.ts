import test from 'ava';
import { csvCell, toCsv } from '../../src/shared/csv.js';

test('a cell starting with any of OWASP’s formula triggers (= + - @ TAB CR) is neutralised with a leading quote', (t) => {
  for (const lead of ['=', '+', '-', '@', '\t', '\r']) {
    const cell = csvCell(`${lead}cmd|' /C calc'!A0`);
    const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
    t.is(unquoted, `'${lead}cmd|' /C calc'!A0`, JSON.stringify(lead));
  }
});

test('ordinary text, and a tab or CR inside a cell, are left as typed', (t) => {
  t.is(csvCell('张三'), '张三');
  t.is(csvCell('a\tb'), 'a\tb');
  t.is(csvCell('a\rb'), '"a\rb"');
  t.is(toCsv(['名'], [['\t=1+1']]), "\uFEFF名\r\n'\t=1+1\r\n");
});

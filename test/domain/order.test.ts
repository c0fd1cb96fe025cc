import test from 'ava';
import { parseCsvRecords, parseOrderCsv, parsePaidAt, yuanToFen } from '../../src/domain/order/csv-import.js';
import { stageAfterOrder } from '../../src/domain/order/stage.js';

test('a first order makes a lead or a new customer new; a later one repeat', (t) => {
  t.is(stageAfterOrder('lead', 0), 'new');
  t.is(stageAfterOrder('new', 0), 'new');
  t.is(stageAfterOrder('new', 1), 'repeat');
  t.is(stageAfterOrder('lead', 3), 'repeat');
  t.is(stageAfterOrder('repeat', 5), 'repeat');
});

test('a dormant or churned customer who buys is reactivated, and repeat on the next order', (t) => {
  t.is(stageAfterOrder('dormant', 4), 'reactivated');
  t.is(stageAfterOrder('churned', 1), 'reactivated');
  t.is(stageAfterOrder('reactivated', 5), 'repeat');
});

test('yuan become fen without float rounding; zero, negatives and three decimals are refused', (t) => {
  t.is(yuanToFen('0.1'), 10);
  t.is(yuanToFen('19.99'), 1999);
  t.is(yuanToFen('1234567.05'), 123456705);
  t.is(yuanToFen('0'), undefined);
  t.is(yuanToFen('0.00'), undefined);
  t.is(yuanToFen('-1'), undefined);
  t.is(yuanToFen('1.005'), undefined);
  t.is(yuanToFen('1,000'), undefined);
});

test('payment times: ISO with offset, or spreadsheet local time read as Asia/Shanghai; impossible dates refused', (t) => {
  t.is(parsePaidAt('2024-01-01T12:00:00+08:00'), Date.UTC(2024, 0, 1, 4));
  t.is(parsePaidAt('2024-01-01T04:00:00Z'), Date.UTC(2024, 0, 1, 4));
  t.is(parsePaidAt('2024-01-01 12:00'), Date.UTC(2024, 0, 1, 4));
  t.is(parsePaidAt('2024/1/1 12:00:30'), Date.UTC(2024, 0, 1, 4, 0, 30));
  t.is(parsePaidAt('2024-01-02'), Date.UTC(2024, 0, 1, 16));
  t.is(parsePaidAt('2024-02-30 10:00'), undefined);
  t.is(parsePaidAt('2024-01-01 24:00'), undefined);
  t.is(parsePaidAt('yesterday'), undefined);
});

test('CSV records keep quoted commas, doubled quotes and CRLF', (t) => {
  t.deepEqual(parseCsvRecords('a,b\r\n"x, y","he said ""hi"""\r\n'), [
    ['a', 'b'],
    ['x, y', 'he said "hi"'],
  ]);
});

test('each bad CSV row is reported with its spreadsheet row number and a Chinese reason', (t) => {
  const now = Date.UTC(2025, 0, 1);
  const csv = [
    '\uFEFForder_no,paid_at,amount_yuan,phone,name,store_id,source',
    'T1,2024-01-01 10:00,10.50,13800000001,张三,,',
    'T2,2024-02-30 10:00,10,13800000002,,,',
    'T3,2024-01-01 10:00,abc,13800000003,,,',
    'T4,2024-01-01 10:00,10,12345,,,',
    'T1,2024-01-02 10:00,11,13800000001,,,',
    '',
    'T5,2030-01-01 10:00,10,13800000005,,,',
    'T1,2024-01-01 10:00,10,13800000001,,,pos:mall01',
  ].join('\n');
  const r = parseOrderCsv(csv, now);
  if (!r.ok) return t.fail(r.reason);
  t.is(r.total, 7);
  t.deepEqual(r.rows.map((x) => [x.row, x.source, x.orderNo, x.amountFen]), [
    [2, 'csv', 'T1', 1050],
    [9, 'pos:mall01', 'T1', 1000],
  ]);
  t.deepEqual(r.errors.map((e) => e.row), [3, 4, 5, 6, 8]);
  t.regex(r.errors[0]!.reason, /支付时间/);
  t.regex(r.errors[1]!.reason, /金额/);
  t.regex(r.errors[2]!.reason, /手机号/);
  t.is(r.errors[3]!.reason, '订单号与第 2 行重复');
  t.regex(r.errors[4]!.reason, /晚于当前时间/);
});

test('a CSV without the required columns is refused as a whole', (t) => {
  const r = parseOrderCsv('order_no,amount_yuan\nT1,10\n', Date.now());
  t.false(r.ok);
  if (!r.ok) t.regex(r.reason, /paid_at、phone/);
});

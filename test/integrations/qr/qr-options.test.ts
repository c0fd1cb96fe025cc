import test from 'ava';
import { AppError } from '../../../src/shared/errors.js';
import { parseQrOptions, QrOptionsError, type QrOptions } from '../../../src/integrations/qr/index.js';

const DEFAULTS: QrOptions = { format: 'png', size: 512, margin: 2, ecl: 'M' };

const accepted: Array<[title: string, raw: Record<string, unknown>, expected: Partial<QrOptions>]> = [
  ['nothing given takes the defaults', {}, {}],
  ['empty query values take the defaults', { format: '', size: '', margin: ' ', ecl: '' }, {}],
  ['numbers from code', { format: 'svg', size: 1024, margin: 0, ecl: 'H' }, { format: 'svg', size: 1024, margin: 0, ecl: 'H' }],
  ['strings from a query string', { format: 'png', size: '256', margin: '4', ecl: 'q' }, { size: 256, margin: 4, ecl: 'Q' }],
  ['case and surrounding spaces are forgiven', { format: ' SVG ', size: ' 300 ', ecl: ' l ' }, { format: 'svg', size: 300, ecl: 'L' }],
  ['the smallest size and margin', { size: '128', margin: '0' }, { size: 128, margin: 0 }],
  ['the largest size and margin', { size: 2048, margin: '10' }, { size: 2048, margin: 10 }],
  ['leading zeros are still decimal', { size: '0512' }, { size: 512 }],
];

for (const [title, raw, expected] of accepted) {
  test(`accepts ${title}`, (t) => {
    t.deepEqual(parseQrOptions(raw), { ...DEFAULTS, ...expected });
  });
}

const SIZE_MSG = '尺寸须为 128 到 2048 之间的整数（像素）';
const MARGIN_MSG = '边距须为 0 到 10 之间的整数（模块数）';

const rejected: Array<[title: string, raw: Record<string, unknown>, field: string, message: string]> = [
  ['an unknown format', { format: 'jpg' }, 'format', '格式须为 png 或 svg'],
  ['a format that is not a string', { format: 1 }, 'format', '格式须为 png 或 svg'],
  ['NaN size', { size: Number.NaN }, 'size', SIZE_MSG],
  ['the string "NaN"', { size: 'NaN' }, 'size', SIZE_MSG],
  ['Infinity', { size: Number.POSITIVE_INFINITY }, 'size', SIZE_MSG],
  ['a negative size', { size: '-512' }, 'size', SIZE_MSG],
  ['a size below the minimum', { size: 127 }, 'size', SIZE_MSG],
  ['a size above the maximum', { size: '2049' }, 'size', SIZE_MSG],
  ['a huge size', { size: '99999999999' }, 'size', SIZE_MSG],
  ['a fractional size', { size: '512.5' }, 'size', SIZE_MSG],
  ['a fractional number', { size: 256.5 }, 'size', SIZE_MSG],
  ['exponent notation', { size: '1e3' }, 'size', SIZE_MSG],
  ['hex notation', { size: '0x200' }, 'size', SIZE_MSG],
  ['a unit suffix', { size: '512px' }, 'size', SIZE_MSG],
  ['a repeated query key', { size: ['256', '512'] }, 'size', SIZE_MSG],
  ['a boolean size', { size: true }, 'size', SIZE_MSG],
  ['a negative margin', { margin: -1 }, 'margin', MARGIN_MSG],
  ['a margin above the maximum', { margin: '11' }, 'margin', MARGIN_MSG],
  ['a fractional margin', { margin: '1.5' }, 'margin', MARGIN_MSG],
  ['an unknown ecl', { ecl: 'X' }, 'ecl', '容错级别须为 L、M、Q 或 H'],
  ['an ecl spelled out', { ecl: 'medium' }, 'ecl', '容错级别须为 L、M、Q 或 H'],
];

for (const [title, raw, field, message] of rejected) {
  test(`rejects ${title} naming the field in Chinese`, (t) => {
    const err = t.throws(() => parseQrOptions(raw), { instanceOf: QrOptionsError });
    t.is(err?.field, field);
    t.is(err?.message, message);
  });
}

test('an options error is a 400 AppError the error middleware can answer with', (t) => {
  const err = t.throws(() => parseQrOptions({ size: '1' }), { instanceOf: AppError });
  t.is(err?.status, 400);
  t.is(err?.code, 'QR.INVALID_OPTION');
  t.deepEqual(err?.details, { field: 'size' });
});

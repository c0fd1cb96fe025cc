import test from 'ava';
import {
  parseQrOptions,
  qrCacheKey,
  qrContentType,
  QrOptionsError,
  renderQr,
  type QrEcl,
  type QrOptions,
} from '../../../src/integrations/qr/index.js';
import {
  checkXml,
  CONTACT_URL,
  firstPathData,
  modulesFromPath,
  modulesFromPng,
  PNG_SIGNATURE,
  readPng,
  referenceModules,
} from './qr-fixtures.js';

const opts = (o: Partial<QrOptions>): QrOptions => parseQrOptions(o);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/*
 * How the size is checked: the IHDR chunk (bytes 16..23 of every PNG) holds width and height, and
 * they must equal the requested size exactly. qrcode on its own computes the width as
 * floor(extent * (size / extent)), which floating point leaves 1 px short for some sizes — with
 * this 33-module URL and margin 2 (extent 37), 156 and 307 among them — and the renderer corrects
 * for that, so those sizes are in the table.
 */
for (const size of [128, 156, 307, 512, 2048]) {
  test(`a ${size} px PNG is a greyscale PNG exactly ${size}×${size}`, async (t) => {
    const png = await renderQr(CONTACT_URL, opts({ format: 'png', size }));
    t.true(png.subarray(0, 8).equals(PNG_SIGNATURE));
    t.is(png.toString('latin1', 12, 16), 'IHDR');
    t.is(png.readUInt32BE(16), size);
    t.is(png.readUInt32BE(20), size);
    t.is(png[25], 0, 'colour type 0: one grey byte per pixel, a quarter of RGBA');
  });
}

const matrixCases: Array<[ecl: QrEcl, margin: number]> = [
  ['L', 0],
  ['M', 2],
  ['Q', 4],
  ['H', 10],
];

for (const [ecl, margin] of matrixCases) {
  test(`the PNG at ecl ${ecl}, margin ${margin} shows every module of the reference matrix`, async (t) => {
    const ref = referenceModules(CONTACT_URL, ecl);
    const decoded = readPng(await renderQr(CONTACT_URL, opts({ format: 'png', size: 512, margin, ecl })));
    t.deepEqual(modulesFromPng(decoded, ref.size, margin), ref.dark);
    if (margin > 0) {
      // The quiet zone is light all round: sample the middle of each side's margin band.
      const band = Math.floor(((margin / 2) * decoded.width) / (ref.size + 2 * margin));
      const mid = Math.floor(decoded.width / 2);
      for (const [x, y] of [[band, mid], [decoded.width - 1 - band, mid], [mid, band], [mid, decoded.width - 1 - band]] as const) {
        t.true(decoded.grey(x, y) > 128, `quiet zone at ${x},${y}`);
      }
    }
  });

  test(`the SVG at ecl ${ecl}, margin ${margin} draws exactly the reference matrix`, async (t) => {
    const ref = referenceModules(CONTACT_URL, ecl);
    const svg = (await renderQr(CONTACT_URL, opts({ format: 'svg', size: 300, margin, ecl }))).toString('utf8');
    const extent = ref.size + 2 * margin;
    t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    t.is(checkXml(svg), 'svg');
    t.regex(svg, new RegExp(`width="300" height="300" viewBox="0 0 ${extent} ${extent}"`));
    t.is(ref.size, 17 + 4 * ref.version, 'module count follows from the version');
    const drawn = modulesFromPath(firstPathData(svg.replace(/<rect[^>]*>/, '')), ref.size, margin);
    t.is(sum(drawn), sum(ref.dark), 'same number of dark modules');
    t.deepEqual(drawn, ref.dark);
  });
}

test('a higher error-correction level gives a larger symbol for the same URL', async (t) => {
  const extents = [];
  for (const ecl of ['L', 'H'] as const) {
    const svg = (await renderQr(CONTACT_URL, opts({ format: 'svg', ecl, margin: 0 }))).toString('utf8');
    extents.push(Number(/viewBox="0 0 (\d+)/.exec(svg)?.[1]));
  }
  t.deepEqual(extents, [referenceModules(CONTACT_URL, 'L').size, referenceModules(CONTACT_URL, 'H').size]);
  t.true(extents[1]! > extents[0]!);
});

test('the same input renders the same bytes', async (t) => {
  for (const format of ['png', 'svg'] as const) {
    const a = await renderQr(CONTACT_URL, opts({ format }));
    const b = await renderQr(CONTACT_URL, opts({ format }));
    t.true(a.equals(b), format);
  }
});

const badTexts: Array<[title: string, text: string, message: RegExp]> = [
  ['an empty text', '', /不能为空/],
  ['a text of 1025 characters', 'https://x.cn/' + 'a'.repeat(1012), /最多 1024 个字符/],
  ['1024 Chinese characters, too many bytes for any QR version at ecl H', '码'.repeat(1024), /无法在该容错级别下生成/],
];

for (const [title, text, message] of badTexts) {
  test(`rejects ${title} as a text error`, async (t) => {
    const err = await t.throwsAsync(renderQr(text, opts({ format: 'svg', ecl: 'H' })), { instanceOf: QrOptionsError });
    t.is(err?.field, 'text');
    t.regex(err?.message ?? '', message);
  });
}

test('a 1024-character URL still renders at ecl H', async (t) => {
  const text = 'https://x.cn/' + 'a'.repeat(1011);
  t.is(text.length, 1024);
  const svg = await renderQr(text, opts({ format: 'svg', ecl: 'H' }));
  t.true(svg.includes('<path'));
});

test('a PNG too small for 2 px per module is refused; the SVG of the same text is fine', async (t) => {
  const text = 'https://x.cn/' + 'a'.repeat(600);
  const err = await t.throwsAsync(renderQr(text, opts({ format: 'png', size: 128 })), { instanceOf: QrOptionsError });
  t.is(err?.field, 'size');
  t.regex(err?.message ?? '', /至少需要 \d+ 像素/);
  await t.notThrowsAsync(renderQr(text, opts({ format: 'svg', size: 128 })));
});

test('options built by hand are validated again before rendering', async (t) => {
  const huge = { format: 'png', size: 100_000, margin: 2, ecl: 'M' } as const;
  const err = await t.throwsAsync(renderQr(CONTACT_URL, huge), { instanceOf: QrOptionsError });
  t.is(err?.field, 'size');
});

test('cache keys differ exactly when the rendered bytes would', (t) => {
  const base = opts({});
  const keys = new Set([
    qrCacheKey(CONTACT_URL, base),
    qrCacheKey(CONTACT_URL, { ...base, format: 'svg' }),
    qrCacheKey(CONTACT_URL, { ...base, size: 256 }),
    qrCacheKey(CONTACT_URL, { ...base, margin: 4 }),
    qrCacheKey(CONTACT_URL, { ...base, ecl: 'H' }),
    qrCacheKey(CONTACT_URL + '2', base),
  ]);
  t.is(keys.size, 6);
  t.is(qrCacheKey(CONTACT_URL, parseQrOptions({ size: '512' })), qrCacheKey(CONTACT_URL, base));
  t.is(qrContentType('png'), 'image/png');
  t.is(qrContentType('svg'), 'image/svg+xml');
});

import test from 'ava';
import { POSTER_CALL_TO_ACTION, QrOptionsError, renderPosterSvg } from '../../../src/integrations/qr/index.js';
import { checkXml, CONTACT_URL, modulesFromPath, POSTER, referenceModules } from './qr-fixtures.js';

/** Text width available on the A5 page: 148 mm less 10 mm each side. */
const TEXT_WIDTH_MM = 128;

interface TextEl {
  y: number;
  fontSize: number;
  content: string;
}

function texts(svg: string): TextEl[] {
  return Array.from(svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="([\d.]+)"[^>]*>([^<]*)<\/text>/g), (m) => ({
    y: Number(m[1]),
    fontSize: Number(m[2]),
    content: m[3]!,
  }));
}

/** The title is the text nearest the top. */
const titleOf = (svg: string) => texts(svg).sort((a, b) => a.y - b.y)[0]!;

test('is an A5 portrait SVG in millimetres and well-formed XML', async (t) => {
  const svg = await renderPosterSvg(POSTER);
  t.true(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg '));
  t.regex(svg, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="148mm" height="210mm" viewBox="0 0 148 210"/);
  t.is(checkXml(svg), 'svg');
});

test('shows title, offer, call to action, placement and footer, top to bottom', async (t) => {
  const svg = await renderPosterSvg(POSTER);
  t.deepEqual(
    texts(svg).map((e) => e.content),
    [POSTER.title, POSTER.offer, POSTER_CALL_TO_ACTION, POSTER.placement, POSTER.footer],
  );
  t.is(POSTER_CALL_TO_ACTION, '微信扫码 添加专属顾问');
});

test('empty optional fields are left out and the rest stays in place', async (t) => {
  const full = texts(await renderPosterSvg(POSTER));
  const bare = texts(await renderPosterSvg({ title: POSTER.title, offer: '  ', url: CONTACT_URL }));
  t.deepEqual(bare.map((e) => e.content), [POSTER.title, POSTER_CALL_TO_ACTION]);
  t.deepEqual(bare.map((e) => e.y), [full[0]!.y, full[2]!.y]);
});

for (const field of ['title', 'offer', 'placement', 'footer'] as const) {
  test(`escapes markup in the ${field}`, async (t) => {
    const svg = await renderPosterSvg({ ...POSTER, [field]: `<script>&"'x` });
    t.true(svg.includes('&lt;script&gt;&amp;&quot;&apos;x'));
    t.false(svg.includes('<script'));
    t.is(checkXml(svg), 'svg');
  });
}

test('drops control characters and folds line breaks into one line', async (t) => {
  const svg = await renderPosterSvg({ ...POSTER, title: ' 春季\n会员\u0000招募\t活动 \uD800' });
  t.is(titleOf(svg).content, '春季 会员招募 活动');
  t.is(checkXml(svg), 'svg');
});

test('a title a little too long shrinks to fit instead of being cut', async (t) => {
  const title = '春季会员招募春季会员招募春季'; // 14 ideographs: 154 mm at the largest font
  const el = titleOf(await renderPosterSvg({ ...POSTER, title }));
  t.is(el.content, title);
  t.true(el.fontSize < 11 && el.fontSize >= 7, `font ${el.fontSize}`);
  t.true(title.length * el.fontSize <= TEXT_WIDTH_MM);
});

test('a very long Chinese title is truncated with an ellipsis and fits the page', async (t) => {
  const title = '超长渠道名称'.repeat(40);
  const el = titleOf(await renderPosterSvg({ ...POSTER, title }));
  t.true(el.content.endsWith('…'));
  t.true(title.startsWith(el.content.slice(0, -1)));
  t.true(el.content.length > 10, 'keeps as much as fits');
  // Ideographs and the ellipsis are exactly 1 em in CJK fonts, so this width is not an estimate.
  t.true(el.content.length * el.fontSize <= TEXT_WIDTH_MM, `${el.content.length} × ${el.fontSize} mm`);
});

const longLatin: Array<[title: string, text: string]> = [
  ['wide capitals', 'W'.repeat(80)],
  ['a long English name', 'Spring Membership Drive at the Guomao Flagship Store, Level 3 Atrium'.repeat(2)],
  ['emoji, which must not be split', '🎉'.repeat(60)],
];

for (const [title, text] of longLatin) {
  test(`a long title of ${title} is truncated on a whole character`, async (t) => {
    const el = titleOf(await renderPosterSvg({ ...POSTER, title: text }));
    t.true(el.content.endsWith('…'));
    t.true(text.startsWith(el.content.slice(0, -1).trimEnd()));
    t.false(/[\uD800-\uDBFF]…$/.test(el.content), 'no half surrogate pair before the ellipsis');
  });
}

test('draws the QR as vector paths that match the reference matrix at ecl Q', async (t) => {
  const svg = await renderPosterSvg(POSTER);
  t.false(svg.includes('<image'));
  t.false(svg.includes('data:image'));
  const ref = referenceModules(CONTACT_URL, 'Q');
  const quiet = 4;
  const extent = ref.size + 2 * quiet;
  const qr = new RegExp(`<svg x="24" y="50" width="100" height="100" viewBox="0 0 ${extent} ${extent}">\\s*<path fill="#000000" d="([^"]+)"/>`).exec(svg);
  t.truthy(qr, 'nested QR viewport');
  t.deepEqual(modulesFromPath(qr![1]!, ref.size, quiet), ref.dark);
});

test('the same input gives the same document', async (t) => {
  t.is(await renderPosterSvg({ ...POSTER }), await renderPosterSvg({ ...POSTER }));
});

test('a different URL changes only the QR', async (t) => {
  const a = (await renderPosterSvg(POSTER)).split('\n');
  const b = (await renderPosterSvg({ ...POSTER, url: CONTACT_URL + '?state=2' })).split('\n');
  t.is(a.length, b.length);
  const changed = a.flatMap((line, i) => (line === b[i] ? [] : [line]));
  t.true(changed.length >= 1 && changed.every((l) => l.startsWith('<path') || l.startsWith('<svg x=')));
});

test('an empty URL is a text error', async (t) => {
  const err = await t.throwsAsync(renderPosterSvg({ ...POSTER, url: '' }), { instanceOf: QrOptionsError });
  t.is(err?.field, 'text');
});

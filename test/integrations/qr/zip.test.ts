import test from 'ava';
import { unzipSync } from 'fflate';
import { buildZip, renderPosterSvg, renderQr, parseQrOptions, sanitizeFileName } from '../../../src/integrations/qr/index.js';
import { CONTACT_URL } from './qr-fixtures.js';

/** Entries of a ZIP in archive order, as name → bytes. */
function entries(zip: Buffer): Array<[string, Buffer]> {
  return Object.entries(unzipSync(zip)).map(([name, data]) => [name, Buffer.from(data)]);
}

test('round-trips posters and images with Chinese names, in order', async (t) => {
  const files = [
    { name: '春季会员招募.svg', data: await renderPosterSvg({ title: '春季会员招募', url: CONTACT_URL }) },
    { name: '国贸店-电梯A.png', data: await renderQr(CONTACT_URL, parseQrOptions({})) },
    { name: 'readme.txt', data: Buffer.from('海报按 A5 打印\n') },
  ];
  const got = entries(buildZip(files));
  t.deepEqual(got.map(([name]) => name), files.map((f) => f.name));
  got.forEach(([, data], i) => {
    const want = files[i]!.data;
    t.true(data.equals(typeof want === 'string' ? Buffer.from(want, 'utf8') : want), files[i]!.name);
  });
});

const sanitised: Array<[raw: string, safe: string]> = [
  ['国贸店 3号楼.svg', '国贸店 3号楼.svg'],
  ['a/b\\c:d*e?f"g<h>i|j.svg', 'a_b_c_d_e_f_g_h_i_j.svg'],
  ['../../etc/passwd', '.._.._etc_passwd'],
  ['..', 'file'],
  ['tab\there\u0000nul\u001f.svg', 'tab_here_nul_.svg'],
  ['  spaced out.svg  ', 'spaced out.svg'],
  ['trailing dots...', 'trailing dots'],
  ['CON', '_CON'],
  ['nul.svg', '_nul.svg'],
  ['console.svg', 'console.svg'],
  ['', 'file'],
  ['.svg', '.svg'],
  ['__proto__', '__proto__'],
  ['e\u0301.svg', '\u00e9.svg'],
];

for (const [raw, safe] of sanitised) {
  test(`sanitises ${JSON.stringify(raw)} to ${JSON.stringify(safe)}`, (t) => {
    t.is(sanitizeFileName(raw), safe);
  });
}

test('cuts a very long name to 200 UTF-8 bytes, keeping the extension and whole characters', (t) => {
  const safe = sanitizeFileName('渠'.repeat(300) + '.svg');
  t.true(safe.endsWith('.svg'));
  t.true(Buffer.byteLength(safe) <= 200);
  t.is(safe, '渠'.repeat(65) + '.svg');
});

test('sanitised and de-duplicated names survive the round trip', (t) => {
  const names = ['海报.svg', '海报.svg', '海报.SVG', '海报-2.svg', 'a/b.svg', 'a:b.svg'];
  const files = names.map((name, i) => ({ name, data: `file ${i}` }));
  const got = entries(buildZip(files));
  t.deepEqual(
    got.map(([name]) => name),
    ['海报.svg', '海报-2.svg', '海报-3.SVG', '海报-2-2.svg', 'a_b.svg', 'a_b-2.svg'],
  );
  t.deepEqual(got.map(([, data]) => data.toString('utf8')), files.map((f) => f.data));
});

interface CentralEntry {
  name: string;
  /** High byte of "version made by": 0 MS-DOS, 3 Unix. */
  host: number;
  /** General-purpose flag bit 11: the name is UTF-8. */
  utf8: boolean;
  /** Unix mode from the external attributes. */
  mode: number;
}

/**
 * The central directory, in archive order. unzipSync answers with an object keyed by name, which
 * lists integer-like names first and cannot hold `__proto__`, so order needs this reader.
 */
function centralDirectory(zip: Buffer): CentralEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central directory header at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    out.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      host: zip[at + 5]!,
      utf8: (zip.readUInt16LE(at + 8) & 0x0800) !== 0,
      mode: zip.readUInt32LE(at + 38) >>> 16,
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}

test('keeps the given order even for integer-like names and a file called __proto__', (t) => {
  const names = ['b.svg', '7', '__proto__', '3', 'a.svg'];
  const zip = buildZip(names.map((name) => ({ name, data: name })));
  t.deepEqual(centralDirectory(zip).map((e) => e.name), names);
});

test('flags Chinese names as UTF-8 from a Unix host with mode 0644, which Linux unzip needs', (t) => {
  const [entry] = centralDirectory(buildZip([{ name: '春季会员招募.svg', data: '<svg/>' }]));
  t.deepEqual(entry, { name: '春季会员招募.svg', host: 3, utf8: true, mode: 0o100644 });
});

test('the same files give the same bytes unless a time is passed', (t) => {
  const files = [{ name: 'a.svg', data: '<svg/>' }];
  t.true(buildZip(files).equals(buildZip(files)));
  const stamped = buildZip(files, { mtime: new Date(2026, 4, 1, 12, 0, 0) });
  t.false(stamped.equals(buildZip(files)));
  t.deepEqual(entries(stamped), [['a.svg', Buffer.from('<svg/>')]]);
});

test('compresses text and stores PNGs as they are', async (t) => {
  const svg = await renderPosterSvg({ title: '春季会员招募', url: CONTACT_URL });
  const png = await renderQr(CONTACT_URL, parseQrOptions({}));
  t.true(buildZip([{ name: 'p.svg', data: svg }]).length < Buffer.byteLength(svg) / 2);
  // Stored deflate blocks add a few bytes per 64 KiB on top of the ZIP headers.
  t.true(buildZip([{ name: 'q.png', data: png }]).length < png.length + 200);
});

test('an empty list gives a valid empty archive', (t) => {
  t.deepEqual(entries(buildZip([])), []);
});

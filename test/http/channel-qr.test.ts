import test from 'ava';
import { unzipSync } from 'fflate';
import { parseQrOptions, renderQr } from '../../src/integrations/qr/index.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;

test(`${b} a channel's landing QR comes as PNG or SVG, cached with an ETag, and encodes the landing URL`, async (t) => {
  const siyu = await startApp(t, { overrides: { publicBaseUrl: 'https://siyu.example.test' } });
  const api = admin(siyu);
  const ch = (await api.post('/api/channels', { name: '柜台-1号店', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎' })).json;
  const auth = { authorization: `Bearer ${siyu.config.adminApiKey}` };
  const png = await fetch(`${siyu.url}/api/channels/${ch.id}/qr.png?size=256&margin=2&ecl=M`, { headers: auth });
  t.is(png.status, 200);
  t.is(png.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await png.arrayBuffer());
  t.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  t.is(bytes.readUInt32BE(16), 256, 'IHDR width');
  const etag = png.headers.get('etag')!;
  const again = await fetch(`${siyu.url}/api/channels/${ch.id}/qr.png?size=256&margin=2&ecl=M`, { headers: { ...auth, 'if-none-match': etag } });
  t.is(again.status, 304);

  const svg = await fetch(`${siyu.url}/api/channels/${ch.id}/qr.svg?ecl=H`, { headers: auth });
  t.is(svg.headers.get('content-type'), 'image/svg+xml');
  const svgText = await svg.text();
  t.regex(svgText, /^<svg|^<\?xml/);
  // The code encodes this channel's landing page (byte-identical to rendering that URL).
  const expected = await renderQr(`https://siyu.example.test/s/${ch.code}`, parseQrOptions({ format: 'svg', ecl: 'H' }));
  t.is(svgText, expected.toString('utf8'));
  t.not(svgText, (await renderQr(`https://siyu.example.test/s/ch_other000000`, parseQrOptions({ format: 'svg', ecl: 'H' }))).toString('utf8'));

  for (const q of ['size=100', 'size=300', 'size=99999', 'margin=50', 'ecl=Z']) {
    const res = await api.get(`/api/channels/${ch.id}/qr.png?${q}`);
    t.is(res.status, 400, q);
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/, q);
  }
  t.is((await api.get(`/api/channels/${ch.id}/qr.gif`)).status, 400);
  t.is((await api.get('/api/channels/999/qr.png')).status, 404);
  t.is((await fetch(`${siyu.url}/api/channels/${ch.id}/qr.png`)).status, 401, 'admin only');
});

test(`${b} posters: one per channel as SVG, and a ZIP of a whole batch`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const batch = await api.post('/api/channels/batch', {
    batchKey: 'posters-1',
    namePattern: '电梯-{楼栋}-{电梯}',
    dimensions: { 楼栋: ['1号楼', '2号楼'], 电梯: ['A', 'B', 'C'] },
    kind: 'elevator',
    staffUserIds: ['rep001'],
    welcomeText: '欢迎',
  });
  const first = batch.json.items[0];
  const poster = await api.get(`/api/channels/${first.id}/poster.svg`);
  t.is(poster.status, 200);
  t.regex(poster.text, /电梯-1号楼-A/);
  t.regex(poster.text, /1号楼 · A/);
  t.regex(poster.text, /微信扫码/);

  const zipRes = await fetch(`${siyu.url}/api/channels/batch/posters-1/posters.zip`, { headers: { authorization: `Bearer ${siyu.config.adminApiKey}` } });
  t.is(zipRes.status, 200);
  t.is(zipRes.headers.get('content-type'), 'application/zip');
  const files = unzipSync(new Uint8Array(await zipRes.arrayBuffer()));
  t.deepEqual(Object.keys(files).sort(), batch.json.items.map((c: { name: string }) => `${c.name}.svg`).sort());
  t.is((await api.get('/api/channels/batch/nope/posters.zip')).status, 404);
});

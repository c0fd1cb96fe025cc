import test from 'ava';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { imageHasQr } from '../../../src/integrations/qr/qr-detect.js';

test('a QR code is found in PNG and JPEG, also in a large photo-sized image; plain images and junk are not QR codes', async (t) => {
  const qrPng = await QRCode.toBuffer('https://example.com/join', { width: 400 });
  t.true(imageHasQr(qrPng));

  const decoded = PNG.sync.read(qrPng);
  t.true(imageHasQr(jpeg.encode({ data: decoded.data, width: decoded.width, height: decoded.height }, 90).data));

  // The QR in the corner of a 1600×1600 canvas: found after downscaling.
  const big = new PNG({ width: 1600, height: 1600 });
  big.data.fill(255);
  const qr = PNG.sync.read(await QRCode.toBuffer('https://example.com/big', { width: 600 }));
  PNG.bitblt(qr, big, 0, 0, qr.width, qr.height, 100, 100);
  t.true(imageHasQr(PNG.sync.write(big)));

  const plain = new PNG({ width: 300, height: 300 });
  plain.data.fill(128);
  t.false(imageHasQr(PNG.sync.write(plain)));
  t.false(imageHasQr(Buffer.from('not an image at all')));
  t.false(imageHasQr(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(100)])));
});

import { randomBytes } from 'node:crypto';
import test from 'ava';
import { maskMobile, normalizeCnMobile, PiiCipher } from '../../src/shared/pii.js';

const key = randomBytes(32);

test('phones round-trip through AES-GCM and never appear in the ciphertext', (t) => {
  const c = new PiiCipher(key);
  const sealed = c.encrypt('13800138000');
  t.regex(sealed, /^v1\.[\w-]+\.[\w-]+$/);
  t.false(sealed.includes('13800138000'));
  t.is(c.decrypt(sealed), '13800138000');
  t.not(c.encrypt('13800138000'), sealed, 'a fresh IV every time');
});

test('tampered or foreign ciphertext is refused', (t) => {
  const c = new PiiCipher(key);
  const sealed = c.encrypt('13800138000');
  const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
  t.throws(() => c.decrypt(flipped));
  t.throws(() => new PiiCipher(randomBytes(32)).decrypt(sealed));
  t.throws(() => c.decrypt('v2.x.y'));
});

test('the lookup hash is stable per key and differs across keys', (t) => {
  const a = new PiiCipher(key);
  t.is(a.hash('13800138000'), new PiiCipher(key).hash('13800138000'));
  t.not(a.hash('13800138000'), new PiiCipher(randomBytes(32)).hash('13800138000'));
  t.not(a.hash('13800138000'), a.hash('13800138001'));
});

const phones: Array<[string, string | undefined]> = [
  ['13800138000', '13800138000'],
  ['138 0013 8000', '13800138000'],
  ['+86 138-0013-8000', '13800138000'],
  ['008613800138000', '13800138000'],
  ['8613800138000', '13800138000'],
  ['12800138000', undefined],
  ['1380013800', undefined],
  ['138001380000', undefined],
  ['abc', undefined],
  ['', undefined],
  ['<script>', undefined],
];
for (const [input, expected] of phones) {
  test(`normalizeCnMobile(${JSON.stringify(input)})`, (t) => t.is(normalizeCnMobile(input), expected));
}

test('masking keeps the first three and last four digits only', (t) => {
  t.is(maskMobile('13800138000'), '138****8000');
  t.is(maskMobile('123'), '****');
});

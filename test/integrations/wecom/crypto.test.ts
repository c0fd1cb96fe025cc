import { createCipheriv } from 'node:crypto';
import test from 'ava';
import * as ref from '@wecom/crypto';
import { CallbackCrypto, WecomCryptoError, sign } from '../../../src/integrations/wecom/crypto.js';

const T = 'QDG6eK';
const K = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const C = 'wx5823bf96d3bd56c7';
const c = new CallbackCrypto({ token: T, encodingAesKey: K, corpId: C });

/** Encrypts like WeCom but lets the test corrupt the PKCS#7 pad bytes (all but the last). */
function withPadding(corpId: string, message: string, corrupt: (pad: Buffer) => void): string {
  const key = Buffer.from(`${K}=`, 'base64');
  const msg = Buffer.from(message, 'utf8');
  const head = Buffer.alloc(20);
  head.writeUInt32BE(msg.length, 16);
  const body = Buffer.concat([head, msg, Buffer.from(corpId)]);
  const n = 32 - (body.length % 32);
  const pad = Buffer.alloc(n, n);
  corrupt(pad.subarray(0, n - 1));
  const ci = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  ci.setAutoPadding(false);
  return Buffer.concat([ci.update(Buffer.concat([body, pad])), ci.final()]).toString('base64');
}

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof WecomCryptoError ? e.failure : 'other';
  }
  return 'none';
};

test('V1: official URL verification vector answers the echo', (t) => {
  const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
  t.is(
    c.verifyUrl({ msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', timestamp: '1409659589', nonce: '263014780', echostr }),
    '1616140317555161061',
  );
});

test('V1: a + turned into a space by the query parser still verifies', (t) => {
  const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
  t.is(
    c.verifyUrl({
      msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
      timestamp: '1409659589',
      nonce: '263014780',
      echostr: echostr.replace(/\+/g, ' '),
    }),
    '1616140317555161061',
  );
});

test('V2: official POST vector signature and plaintext', (t) => {
  const enc =
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
  t.true(c.verify('477715d11cdb4164915debcba66cb864d751f3e6', '1409659813', '1372623149', enc));
  const msg = c.decrypt(enc);
  t.true(msg.startsWith('<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>'));
  t.true(msg.includes('<Content><![CDATA[hello]]></Content>'));
});

test('V3: deterministic encryption matches the OA sample', (t) => {
  const c3 = new CallbackCrypto({ token: 'x', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', corpId: 'wxb11529c136998cb6' });
  t.is(
    c3.encrypt('我是中文abcd123', Buffer.from('aaaabbbbccccdddd')),
    'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  );
});

test('S1: Siyu add_external_contact vector verifies and decrypts', (t) => {
  const enc =
    'sKqRbbiSUnDhFHOvPjtUMVqcbx2C5YomnZC6TD5al4sI3T/NyzC0vz2Tbb5uu1ws8fGGI7vC1FCPoCP36faWpl9HRWo7FbGlV2FiF0VeA2AYAEGcgjht7K70uzMhE5wytm4EwBM6+ghlni3d4Avvx1ox5D8ZlZCvVEwEjXzrkgHYoR+jKZQagofQRjJhQkttWB30d2/pj8I3DOTj2ihHzB0O9DwpW01ng1FjLeoxcSzTSarUt/iGUBI5776UyTeJIjm1D2UqigknBsvPvkEDQGS1Zuc/lOgDV7tMHRT6ib/AG9pIb1/RI48g8wJxvJMqTyoNTxTAmecK0LIm1JZewBySGo+2uIOPJ9qST+rHY/K82EqL15H077k2/g/LHsI5W4VwcHafrUIIr6rQq3mEMrq1oyG0jbrMwDy0irj3si3p0m+A0jGLGD9KW1omlsg4mX8p3OliI9eT3R4N2VNb22uaclrb47scv0yFAo5TGSvKQKkN6R/ywHHC/tBwXbl0x5fedRXAwWx2xoX8bYO5SqDcLx+a0ZaRAhctnnW9Ex/OB3er+MCOT4MrVJKSfQX5Lak0+OkMl+aUm7CBiQ3kdo5dKkJooqPlZGcxj0BRfQd7+SKkKHpwQaGjCJSW/0KubRI9y00DgqxUsnw/fksf7I+U8kRfVRu1Ch6xA1f9s0ZBkXh2aPj4B0xuDQUgJTWnlIi54w61cF9zL45TLDlhQA==';
  t.true(c.verify('60ccaf4f6116273714686121beb7f21c214eb364', '1700000000', '123456789', enc));
  t.true(c.decrypt(enc).includes('<WelcomeCode><![CDATA[WELCOMECODE_TEST]]></WelcomeCode>'));
  t.is(c.encrypt(c.decrypt(enc), Buffer.from('0123456789abcdef')), enc);
});

test('S3: passive reply equals the reference vector', (t) => {
  const xml =
    '<xml><ToUserName><![CDATA[rep001]]></ToUserName><FromUserName><![CDATA[wx5823bf96d3bd56c7]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ok]]></Content></xml>';
  const r = c.encryptReply(xml, { timestamp: '1700000001', nonce: 'nonce42', random: Buffer.from('fedcba9876543210') });
  t.is(r.signature, 'b5c725007089e7d8d49b21f3e0a5f31394176f60');
  t.true(r.body.includes(`<Encrypt><![CDATA[${r.encrypt}]]></Encrypt>`));
  t.is(r.encrypt, ref.encrypt(K, xml, C, Buffer.from('fedcba9876543210')));
});

test('S4: a full 32-byte pad block decrypts', (t) => {
  const enc = 'ZTf9a//tmPI9WVNY3aaWQKHli/0YjxpnWH2aoct2Xg7HISzgfSS+DCLEMzY0fCMTNxqXbUUNFCAUHEhcoY9UYS9KrboP3P6t9G5zGDmL6XsPE5C/sTnIcsa6NJhEhZWW';
  t.is(c.decrypt(enc), 'abcdefghijklmnopqrstuvwxyz');
});

test('encryption is byte-identical to @wecom/crypto for many lengths', (t) => {
  for (let n = 0; n < 80; n++) {
    const msg = '消息'.repeat(n % 7) + 'x'.repeat(n);
    const random = Buffer.alloc(16, n);
    const ours = c.encrypt(msg, random);
    t.is(ours, ref.encrypt(K, msg, C, random));
    t.is(c.decrypt(ours), msg);
    t.is(sign(T, String(n), 'nonce', ours), ref.getSignature(T, String(n), 'nonce', ours));
  }
});

test('tampering is rejected with the right failure', (t) => {
  const enc = c.encrypt('<xml>x</xml>');
  t.false(c.verify(c.signature('1', 'n', enc).replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a')), '1', 'n', enc));
  t.false(new CallbackCrypto({ token: 'other', encodingAesKey: K, corpId: C }).verify(c.signature('1', 'n', enc), '1', 'n', enc));
  const foreign = new CallbackCrypto({ token: T, encodingAesKey: K, corpId: 'wwOTHERCORP' }).encrypt('<xml>x</xml>');
  t.is(failure(() => c.decrypt(foreign)), 'receive_id');
  t.is(failure(() => c.decrypt('abc')), 'decrypt');
  t.is(failure(() => c.decrypt(enc.slice(0, -8))), 'decrypt');
  // Flip a byte in the last block so the padding byte becomes garbage.
  const raw = Buffer.from(enc, 'base64');
  raw[raw.length - 1] = raw[raw.length - 1]! ^ 0xff;
  t.not(failure(() => c.decrypt(raw.toString('base64'))), 'none');
  t.is(failure(() => new CallbackCrypto({ token: T, encodingAesKey: 'short', corpId: C })), 'aes_key');
  // A garbled last block whose final byte happens to equal the original pad length: every
  // pad byte must match, so it is refused (it used to decrypt to the original message).
  t.is(failure(() => c.decrypt(withPadding(C, '<xml>x</xml>', (pad) => { pad[0] = pad[0]! ^ 0x01; }))), 'plaintext');
  t.is(c.decrypt(withPadding(C, '<xml>x</xml>', () => {})), '<xml>x</xml>');
  t.throws(() => c.verifyUrl({ msg_signature: 'deadbeef', timestamp: '1', nonce: 'n', echostr: enc }), { instanceOf: WecomCryptoError });
});

import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeCom callback crypto (wecom-protocol.md §1): SHA-1 signature over the sorted
 * (token, timestamp, nonce, encrypt) and AES-256-CBC with PKCS#7 padding to 32 bytes.
 * Byte-identical to the official `@wecom/crypto` (the tests prove it), but it also checks the
 * receive id and the padding, which the reference library does not.
 */

/** Official WXBizMsgCrypt result codes, kept so logs speak the same language as WeCom's docs. */
export type CryptoFailure =
  | 'signature' // -40001
  | 'aes_key' // -40004
  | 'receive_id' // -40005
  | 'decrypt' // -40007
  | 'plaintext'; // -40008

export class WecomCryptoError extends Error {
  constructor(
    readonly failure: CryptoFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WecomCryptoError';
  }
}

export interface CallbackCryptoConfig {
  token: string;
  encodingAesKey: string;
  /** The receive id: the corp id for a corp's own app. */
  corpId: string;
}

const PAD_BLOCK = 32;

export function decodeAesKey(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new WecomCryptoError('aes_key', 'EncodingAESKey must be 43 characters of [A-Za-z0-9]');
  }
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  if (key.length !== 32) throw new WecomCryptoError('aes_key', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

export function sign(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const parts = [token, timestamp, nonce, encrypt].sort();
  return createHash('sha1').update(parts.join('')).digest('hex');
}

export class CallbackCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly token: string;
  private readonly corpId: string;
  private readonly corpIdBytes: Buffer;

  constructor(cfg: CallbackCryptoConfig) {
    this.key = decodeAesKey(cfg.encodingAesKey);
    this.iv = this.key.subarray(0, 16);
    this.token = cfg.token;
    this.corpId = cfg.corpId;
    this.corpIdBytes = Buffer.from(cfg.corpId, 'utf8');
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return sign(this.token, timestamp, nonce, encrypt);
  }

  /** Constant-time check of a received msg_signature. */
  verify(msgSignature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    const expected = this.signature(timestamp, nonce, encrypt);
    if (msgSignature.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(msgSignature.toLowerCase()), Buffer.from(expected));
  }

  /** Decrypts a `msg_encrypt` and returns the UTF-8 message; rejects a foreign receive id. */
  decrypt(encrypt: string): string {
    const data = Buffer.from(encrypt, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) {
      throw new WecomCryptoError('decrypt', 'ciphertext length is not a multiple of the AES block');
    }
    let plain: Buffer;
    try {
      const d = createDecipheriv('aes-256-cbc', this.key, this.iv);
      d.setAutoPadding(false);
      plain = Buffer.concat([d.update(data), d.final()]);
    } catch (e) {
      throw new WecomCryptoError('decrypt', `AES decrypt failed: ${(e as Error).message}`);
    }
    const pad = plain[plain.length - 1]!;
    // Every pad byte is checked, not only the last: a ciphertext garbled in its last block
    // (the fuzz suite flips a byte) then passes as valid once in 256 tries when only the
    // last byte is read, and the rest of the block is never looked at.
    if (pad < 1 || pad > PAD_BLOCK || pad > plain.length || plain.subarray(plain.length - pad).some((b) => b !== pad)) {
      throw new WecomCryptoError('plaintext', 'invalid PKCS#7 padding');
    }
    const end = plain.length - pad;
    if (end < 20) throw new WecomCryptoError('plaintext', 'plaintext too short');
    const len = plain.readUInt32BE(16);
    if (20 + len > end) throw new WecomCryptoError('plaintext', 'message length exceeds plaintext');
    const receiveId = plain.subarray(20 + len, end);
    if (!receiveId.equals(this.corpIdBytes)) {
      throw new WecomCryptoError('receive_id', 'receive id does not match the configured corp id');
    }
    return plain.toString('utf8', 20, 20 + len);
  }

  /** Encrypts a message for WeCom (passive replies) or, in the emulator, for a callback. */
  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const msg = Buffer.from(message, 'utf8');
    const head = Buffer.alloc(20);
    random.copy(head, 0, 0, 16);
    head.writeUInt32BE(msg.length, 16);
    const bodyLen = 20 + msg.length + this.corpIdBytes.length;
    const pad = PAD_BLOCK - (bodyLen % PAD_BLOCK);
    const c = createCipheriv('aes-256-cbc', this.key, this.iv);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(Buffer.concat([head, msg, this.corpIdBytes, Buffer.alloc(pad, pad)])), c.final()]).toString(
      'base64',
    );
  }

  /**
   * URL verification (GET): checks the signature over the echostr and returns the decrypted
   * echo that must be answered verbatim. Koa's query parser turns a literal `+` into a space;
   * if the first check fails and the echostr has spaces, it is retried with `+` restored.
   */
  verifyUrl(q: { msg_signature: string; timestamp: string; nonce: string; echostr: string }): string {
    let echostr = q.echostr;
    if (!this.verify(q.msg_signature, q.timestamp, q.nonce, echostr)) {
      const restored = echostr.replace(/ /g, '+');
      if (restored === echostr || !this.verify(q.msg_signature, q.timestamp, q.nonce, restored)) {
        throw new WecomCryptoError('signature', 'msg_signature mismatch');
      }
      echostr = restored;
    }
    return this.decrypt(echostr);
  }

  /** Builds the encrypted passive reply envelope (§1.6). */
  encryptReply(xml: string, opts: { timestamp: string; nonce: string; random?: Buffer }): { encrypt: string; signature: string; body: string } {
    const encrypt = this.encrypt(xml, opts.random);
    const signature = this.signature(opts.timestamp, opts.nonce, encrypt);
    const body =
      `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
      `<TimeStamp>${opts.timestamp}</TimeStamp><Nonce><![CDATA[${opts.nonce}]]></Nonce></xml>`;
    return { encrypt, signature, body };
  }

  get receiveId(): string {
    return this.corpId;
  }
}

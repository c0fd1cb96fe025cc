import { randomBytes } from 'node:crypto';

/**
 * Id shapes observed on real WeCom traffic (protocol doc §0, §9.1). Clients must treat them as
 * opaque; the emulator imitates them so length limits and log formats get exercised.
 */
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function alnum(len: number): string {
  const bytes = randomBytes(len);
  let out = '';
  // 62 does not divide 256, so the first few letters are slightly likelier; fine for ids.
  for (let i = 0; i < len; i++) out += ALNUM[bytes[i]! % ALNUM.length];
  return out;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export const newId = {
  /** `wm` for WeChat users, `wo` for WeCom users of another corp; 32 chars in total. */
  externalUser: (type: 1 | 2 = 1) => (type === 1 ? 'wm' : 'wo') + alnum(30),
  chat: () => 'wr' + alnum(30),
  tag: () => 'et' + alnum(30),
  configId: () => hex(16),
  memberVersion: () => hex(16),
  massMsg: () => 'msg' + alnum(25),
  appMsg: () => alnum(40),
  media: () => '3' + alnum(62),
  /** Real tokens are opaque and up to 512 bytes; 128 chars keeps logs readable. */
  accessToken: () => alnum(128),
  welcomeCode: () => alnum(43),
  nonce: () => String(randomBytes(4).readUInt32BE(0)),
  /** URL verification echoes are long decimal strings in WeCom's samples. */
  echo: () => String(randomBytes(8).readBigUInt64BE(0)),
  qrCode: () => `https://wework.qpic.cn/wwpic/${alnum(20)}/0`,
};

import type { MessageKind } from './conversation.types.js';

// Links as people paste them: with a scheme, www., or a bare domain with a common TLD and path.
const LINK = /(?:https?:\/\/|www\.)\S+|\b[a-z0-9-]+\.(?:com|cn|net|top|xyz|cc|vip|shop|link|io|me)(?:\/\S*)?\b/iu;

export type SpamReason = 'link' | 'miniprogram' | 'contact_card' | 'qr_image';

/**
 * Why a group message from a non-staff member counts as advertising, if it does. Images count
 * only when the adapter found a QR code in them (kind 'image' alone is not a strike).
 */
export function spamReason(kind: MessageKind, text: string, imageHasQr = false): SpamReason | undefined {
  if (kind === 'url') return 'link';
  if (kind === 'miniprogram') return 'miniprogram';
  if (kind === 'contact') return 'contact_card';
  if (kind === 'image' && imageHasQr) return 'qr_image';
  if (kind === 'text' && LINK.test(text.normalize('NFKC'))) return 'link';
  return undefined;
}

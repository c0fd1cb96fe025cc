export interface ContactDetail {
  name: string;
  avatar?: string;
  gender: number;
  unionid?: string;
}

/** What the acquisition flow needs from WeCom. Errors carry `errcode` when WeCom answered. */
export interface ContactGateway {
  getContact(externalUserId: string, deadline: number): Promise<ContactDetail>;
  sendWelcome(p: { welcomeCode: string; text: string; attachments: WelcomeAttachment[]; deadline: number }): Promise<void>;
  markTag(p: { userid: string; externalUserId: string; add: string[] }): Promise<void>;
}

export interface AcquisitionMetrics {
  welcome(outcome: WelcomeOutcome, latencyMs?: number): void;
}

export type WelcomeOutcome = 'sent' | 'already_sent' | 'expired' | 'failed' | 'none';

/** What became of an add's welcome; kept on the inbox row when the rest of the add is deferred. */
export interface SettledWelcome {
  outcome: WelcomeOutcome;
  errcode?: number;
  latencyMs?: number;
}

/** Leads from the landing page whose own contact way carries a `state` naming them. */
export interface LeadLinks {
  findByState(state: string): Promise<{ id: number; customerId: number; channelId: number; name: string } | undefined>;
  markLinked(id: number, at: number): Promise<boolean>;
}

/** What can go with a welcome besides text (send_welcome_msg attachments). */
export type WelcomeAttachment =
  | { kind: 'link'; title: string; url: string; desc?: string; picurl?: string }
  | { kind: 'image'; mediaId: string }
  | { kind: 'miniprogram'; title: string; appid: string; page: string; picMediaId: string };

/** WeCom media ids of stored images (uploaded on demand, valid 3 days). */
export interface MediaIds {
  mediaIdFor(assetId: number): Promise<string>;
}

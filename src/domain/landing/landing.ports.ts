import type { CustomerRepo } from '../customer/customer.ports.js';

export interface ScanRow {
  channelId: number;
  visitorId: string;
  ipHash: string;
  userAgent: string;
  day: number;
  createdAt: number;
}

export interface Lead {
  id: number;
  customerId: number;
  channelId: number;
  linkState: string;
  staffUserId: string;
  configId: string | null;
  qrCode: string | null;
  visitorId: string;
  name: string;
  linkedAt: number | null;
  createdAt: number;
}

export interface ScanRecord extends ScanRow {
  firstOfDay: boolean;
}

export interface LandingRepo {
  /** Durably records a scan (batched with concurrent ones). */
  insertScan(s: ScanRecord): Promise<void>;
  /** Leads per rep of a channel created in [from, to). */
  leadsByRep(channelId: number, from: number, to: number): Promise<Map<string, number>>;
  findLeadByState(linkState: string): Promise<Lead | undefined>;
  /** The newest lead of this customer from this channel that has not been linked to WeCom yet. */
  findOpenLead(customerId: number, channelId: number): Promise<Lead | undefined>;
  insertLead(l: Omit<Lead, 'id' | 'linkedAt'> & { phoneEnc: string }): Promise<number>;
  markLeadLinked(id: number, at: number): Promise<boolean>;
  /** The person's code for this offer: a new one, or the one they claimed before. */
  claimCoupon(c: { customerId: number; channelId: number | null; offerKey: string; code: string; createdAt: number }): Promise<{ code: string; fresh: boolean }>;
  insertConsent(c: { customerId: number; purpose: string; textVersion: string; source: string; createdAt: number }): Promise<void>;
}

/** Mutual exclusion by name, shared by every process (Redis SET NX PX with an owner token in production). */
export interface Mutex {
  /**
   * Runs `fn` while holding the named lock, waiting up to `waitMs` for it. Returns undefined
   * (without running `fn`) when the lock could not be had in time. The lock expires after
   * `ttlMs` even if its holder died.
   */
  withLock<T>(name: string, o: { ttlMs: number; waitMs: number }, fn: () => Promise<T>): Promise<{ value: T } | undefined>;
}

/** Sliding or fixed-window limits shared by every process (Redis in production). */
export interface RateLimiter {
  /** Counts one hit; false once more than `limit` hits fell in the window. */
  hit(key: string, limit: number, windowMs: number): Promise<boolean>;
}

export interface LandingTx {
  customers: CustomerRepo;
  landing: LandingRepo;
}

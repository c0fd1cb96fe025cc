import type { Tag } from '../tag/tag.types.js';
import type { Customer, Follow, FollowStatus, IdentityKind, TimelineEntry } from './customer.types.js';

/** Thrown by a repo when a unique identity was taken concurrently; the service retries. */
export const identityKey = (kind: IdentityKind, scope: string, value: string) => `${kind}|${scope}|${value}`;

export class IdentityTakenError extends Error {
  constructor() {
    super('identity already belongs to another customer');
  }
}

export interface CustomerRepo {
  findCustomer(id: number): Promise<Customer | undefined>;
  findCustomerByIdentity(kind: IdentityKind, scope: string, value: string): Promise<Customer | undefined>;
  insertCustomer(c: Omit<Customer, 'id'>): Promise<number>;
  /** Adds an identity: 'inserted', 'mine' (already this customer's) or 'taken' (another customer has it). */
  insertIdentity(customerId: number, kind: IdentityKind, scope: string, value: string, now: number): Promise<'inserted' | 'mine' | 'taken'>;
  updateCustomer(id: number, patch: Partial<Omit<Customer, 'id' | 'createdAt'>>): Promise<void>;
  /** The customer's latest phone (encrypted) and its last four digits, for search by 手机尾号. */
  setCustomerPhone(id: number, phoneEnc: string, tail: string, now: number): Promise<void>;
  findFollow(customerId: number, staffUserId: string): Promise<Follow | undefined>;
  upsertFollow(f: Follow): Promise<void>;
  updateFollowStatus(customerId: number, staffUserId: string, status: FollowStatus, at: number): Promise<boolean>;
  /** Adds tags; returns the ids that were not on the customer before. */
  addCustomerTags(customerId: number, tagIds: number[], source: string, now: number): Promise<number[]>;
  /** Takes tags off a customer; tags they do not have are ignored. */
  removeCustomerTags(customerId: number, tagIds: number[]): Promise<void>;
  /** The customer's identity values of one kind and scope (e.g. their WeCom external user ids). */
  listIdentityValues(customerId: number, kind: IdentityKind, scope: string): Promise<string[]>;
  /** Appends to the timeline; false if this (source event, kind) is already there. */
  insertTimeline(e: TimelineEntry): Promise<boolean>;
  listCustomerTags(customerId: number): Promise<Tag[]>;

  // Set-at-a-time variants for the callback path: a batch of events costs a handful of
  // statements instead of a dozen per event.
  findCustomerIdsByIdentity(kind: IdentityKind, scope: string, values: string[]): Promise<Map<string, number>>;
  findCustomers(ids: number[]): Promise<Customer[]>;
  /** Creates customers in one statement; returns their ids in input order. */
  insertCustomers(rows: Array<Omit<Customer, 'id'>>): Promise<number[]>;
  /** Inserts identities that are not there yet and returns the owner of every one asked for, keyed `kind|scope|value`. */
  insertIdentities(rows: Array<{ customerId: number; kind: IdentityKind; scope: string; value: string }>, now: number): Promise<Map<string, number>>;
  findFollows(customerIds: number[]): Promise<Follow[]>;
  upsertFollows(rows: Follow[]): Promise<void>;
  /** Appends timeline rows; rows whose (source event, kind) exists already are skipped. */
  insertTimelines(rows: TimelineEntry[]): Promise<void>;
  listTagIdsOf(customerIds: number[]): Promise<Map<number, Set<number>>>;
  insertCustomerTags(rows: Array<{ customerId: number; tagId: number; source: string }>, now: number): Promise<void>;
  listFollows(customerId: number): Promise<Follow[]>;
  listTimeline(customerId: number, limit: number): Promise<TimelineEntry[]>;
}

/** Runs fn in one database transaction with repos bound to it. */
export interface Transactor<R> {
  transaction<T>(fn: (repos: R) => Promise<T>): Promise<T>;
}

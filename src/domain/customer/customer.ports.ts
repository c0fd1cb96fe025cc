import type { Tag } from '../tag/tag.types.js';
import type { Customer, Follow, FollowStatus, IdentityKind, TimelineEntry } from './customer.types.js';

/** One identity of a person: what it is, the corp or app it belongs to ('' when global), its value. */
export interface IdentityRef {
  kind: IdentityKind;
  scope: string;
  value: string;
}

export const identityKey = (kind: IdentityKind, scope: string, value: string) => `${kind}|${scope}|${value}`;

/**
 * What the identity service (identity.service.ts) needs of storage, inside the caller's
 * transaction. customer_identities has a unique key on (kind, scope, value): that key, not a
 * check before the insert, decides who owns an identity.
 */
export interface IdentityRepo {
  /** The current owners of these identities, keyed `kind|scope|value`; unknown ones are absent. */
  findIdentityOwners(refs: IdentityRef[]): Promise<Map<string, number>>;
  /**
   * Customers by id, as last committed (also rows committed after this transaction began: a
   * concurrent winner's customer), and held until commit so that two entry points patching one
   * customer apply the overwrite rule one after the other (MySQL: a locking read).
   */
  findCustomersForUpdate(ids: number[]): Promise<Customer[]>;
  /** Creates customers in one statement; returns their ids in input order. */
  insertCustomers(rows: Array<Omit<Customer, 'id'>>): Promise<number[]>;
  /**
   * Inserts the identities that are not there yet (insert-if-absent on the unique key; waits for
   * a concurrent uncommitted insert of the same identity) and returns the owner of every one
   * asked for, keyed `kind|scope|value`, read so that a concurrent winner's row is seen.
   */
  insertIdentities(rows: Array<IdentityRef & { customerId: number }>, now: number): Promise<Map<string, number>>;
  /**
   * The losers of identity races: each loser customer, created in this transaction and holding
   * nothing but identities, hands them to its winner and is deleted.
   */
  adoptCustomers(pairs: Array<{ loser: number; winner: number }>): Promise<void>;
  updateCustomer(id: number, patch: Partial<Omit<Customer, 'id' | 'createdAt'>>): Promise<void>;
}

export interface CustomerRepo extends IdentityRepo {
  findCustomer(id: number): Promise<Customer | undefined>;
  findCustomerByIdentity(kind: IdentityKind, scope: string, value: string): Promise<Customer | undefined>;
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

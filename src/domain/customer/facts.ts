import type { Customer, NameSource } from './customer.types.js';

/**
 * What one entry point learned about a person. An absent field (or an empty name) says nothing
 * and never clears what is known.
 */
export interface PersonFacts {
  name?: { value: string; source: NameSource };
  /** WeChat's avatar URL. */
  avatar?: string;
  /** WeChat's gender (1 male, 2 female; 0 unknown says nothing). */
  gender?: number;
  storeId?: number;
  ownerUserId?: string;
  firstChannelId?: number;
}

export type CustomerFacts = Pick<Customer, 'name' | 'nameSource' | 'avatar' | 'gender' | 'storeId' | 'ownerUserId' | 'firstChannelId'>;

/**
 * The one rule for what a new fact may overwrite on a customer, whichever way the person came
 * in (WeCom add, landing page, order, WeChat Pay, bot chat):
 *
 * | fact                        | the customer has none | the customer has one                                          |
 * | --------------------------- | --------------------- | ------------------------------------------------------------- |
 * | name typed by the person    | set                   | replaces a WeChat nickname or an order's name; a typed one stays |
 * | name on an order (mall/CSV) | set                   | stays (the name on a parcel may be a family member's)         |
 * | WeChat nickname (add, bot)  | set                   | refreshes a WeChat nickname; never replaces a typed or order name |
 * | name of unknown origin      |                       | stays (names recorded before their source was kept)           |
 * | avatar (WeChat)             | set                   | replaced: WeChat's is the current picture                      |
 * | gender (WeChat)             | set                   | stays                                                          |
 * | store                       | set                   | stays: moving a customer is an operator's decision            |
 * | owner rep                   | set                   | stays: adding a second rep does not take the customer over     |
 * | first channel               | set                   | stays: the first one is the first                              |
 * | stage, opt-out              | never set by an identity fact; a new customer starts as a lead, opted in |
 *
 * Returns only the fields that change (empty when nothing does).
 */
export function factsPatch(c: CustomerFacts, f: PersonFacts): Partial<CustomerFacts> {
  const patch: Partial<CustomerFacts> = {};
  const name = f.name?.value.trim() ? f.name : undefined;
  if (name && name.value !== c.name && nameMayReplace(c, name.source)) {
    patch.name = name.value;
    patch.nameSource = name.source;
  }
  if (f.avatar && f.avatar !== c.avatar) patch.avatar = f.avatar;
  if (f.gender && !c.gender) patch.gender = f.gender;
  if (f.storeId !== undefined && c.storeId === null) patch.storeId = f.storeId;
  if (f.ownerUserId && !c.ownerUserId) patch.ownerUserId = f.ownerUserId;
  if (f.firstChannelId !== undefined && c.firstChannelId === null) patch.firstChannelId = f.firstChannelId;
  return patch;
}

function nameMayReplace(c: CustomerFacts, source: NameSource): boolean {
  if (!c.name) return true;
  const current = c.nameSource ?? null;
  if (current === null) return false;
  if (source === 'typed') return current !== 'typed';
  if (source === 'wechat') return current === 'wechat';
  return false;
}

/** A new customer from the facts of the entry point that met them first: the rule above applied to nobody. */
export function newCustomerFrom(f: PersonFacts, now: number): Omit<Customer, 'id'> {
  const empty: CustomerFacts = { name: '', nameSource: null, avatar: null, gender: 0, storeId: null, ownerUserId: null, firstChannelId: null };
  return { ...empty, ...factsPatch(empty, f), stage: 'lead', optedOut: false, createdAt: now, updatedAt: now };
}

import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { identityKey, type IdentityRef, type IdentityRepo, type Transactor } from './customer.ports.js';
import type { Customer } from './customer.types.js';
import { factsPatch, newCustomerFrom, type PersonFacts } from './facts.js';

/** One person as an entry point sees them. */
export interface PersonClaim {
  /** Everything that identifies them, strongest first (e.g. WeCom external_userid before unionid before phone). At least one. */
  identities: IdentityRef[];
  /** A customer the entry point already holds for them (a landing lead's), used when none of the identities is known. */
  customerId?: number;
  facts: PersonFacts;
  /**
   * Whether the customer who owns one of these identities is this person (default: yes). The
   * landing page says no for a phone known under another name: a family member sharing it.
   */
  accepts?(c: Pick<Customer, 'name'>, by: IdentityRef): boolean;
}

export interface ResolvedPerson {
  customer: Customer;
  /** A new customer was made for them. */
  created: boolean;
  /** Their identities that belong to another customer and stay there (merging is an explicit, audited operation). */
  notAttached: IdentityRef[];
}

const keyOf = (r: IdentityRef) => identityKey(r.kind, r.scope, r.value);

interface Fresh {
  row: Omit<Customer, 'id'>;
  id?: number;
}
type Target = number | Fresh;

/**
 * Find-or-create a person from any set of identities, and the one race strategy for it: every
 * identity is inserted if absent under the unique key of customer_identities and its owner read
 * back; whoever's row is there owns it. A claim's customer is then the owner of its strongest
 * identity, so when two entry points create the same new person at once, the loser's new
 * customer hands its identities to the winner's and disappears, and the loser carries on with
 * the winner's customer. Identities not yet known are attached; what else the entry point
 * learned is written by the one overwrite rule (facts.ts).
 *
 * `resolveMany` does this for many people in a fixed number of statements (two reads, two
 * inserts, one update per customer that changes): the acquisition callback's hot path.
 */
export class IdentityService {
  constructor(private readonly d: { tx: Transactor<{ customers: IdentityRepo }>; clock: Clock; log: Logger }) {}

  /** One person, in a transaction of its own. */
  resolveOne(claim: PersonClaim): Promise<ResolvedPerson> {
    return this.d.tx.transaction(async ({ customers }) => (await this.resolveMany(customers, [claim], this.d.clock.now()))[0]!);
  }

  /** One person inside the caller's transaction. */
  async resolve(repo: IdentityRepo, claim: PersonClaim, now: number): Promise<ResolvedPerson> {
    return (await this.resolveMany(repo, [claim], now))[0]!;
  }

  /**
   * Many people inside the caller's transaction; one result per claim, in order. Claims that
   * share an identity are one person (the same customer adding two reps in one batch).
   */
  async resolveMany(repo: IdentityRepo, claims: PersonClaim[], now: number): Promise<ResolvedPerson[]> {
    if (!claims.length) return [];
    if (claims.some((c) => !c.identities.length)) throw new Error('a person claim needs at least one identity');
    const refs = new Map(claims.flatMap((c) => c.identities.map((r) => [keyOf(r), r] as const)));
    const owners = await repo.findIdentityOwners([...refs.values()]);
    const known = new Map<number, Customer>();
    await this.load(repo, known, [...owners.values(), ...claims.flatMap((c) => (c.customerId ? [c.customerId] : []))]);
    // A merged record lives on in its target (identities move with a merge; a lead's customer id may not have).
    const live = (id: number) => {
      const c = known.get(id);
      return c?.mergedInto ? known.get(c.mergedInto) : c;
    };
    const accepts = (claim: PersonClaim, c: Pick<Customer, 'name'>, r: IdentityRef) => !claim.accepts || claim.accepts(c, r);

    // Who each claim is before anything is written: a known owner, a person met earlier in this batch, the given customer, or someone new.
    const inBatch = new Map<string, Target>();
    const targets = claims.map((claim): Target => {
      let t: Target | undefined;
      for (const r of claim.identities) {
        const owner = owners.get(keyOf(r));
        const c = owner === undefined ? undefined : live(owner);
        if (c && accepts(claim, c, r)) t = c.id;
        const met = inBatch.get(keyOf(r));
        if (t === undefined && owner === undefined && met !== undefined && accepts(claim, typeof met === 'number' ? live(met)! : met.row, r)) t = met;
        if (t !== undefined) break;
      }
      if (t === undefined && claim.customerId !== undefined) t = live(claim.customerId)?.id;
      if (t === undefined) t = { row: newCustomerFrom(claim.facts, now) };
      else if (typeof t !== 'number') Object.assign(t.row, factsPatch(t.row, claim.facts));
      for (const r of claim.identities) if (!owners.has(keyOf(r)) && !inBatch.has(keyOf(r))) inBatch.set(keyOf(r), t);
      return t;
    });

    const fresh = [...new Set(targets.filter((t): t is Fresh => typeof t !== 'number'))];
    const ids = await repo.insertCustomers(fresh.map((f) => f.row));
    fresh.forEach((f, i) => {
      f.id = ids[i]!;
      known.set(f.id, { ...f.row, id: f.id, mergedInto: null });
    });
    const idOf = (t: Target) => (typeof t === 'number' ? t : t.id!);

    const rows = new Map<string, IdentityRef & { customerId: number }>();
    claims.forEach((claim, i) => {
      for (const r of claim.identities) if (!owners.has(keyOf(r)) && !rows.has(keyOf(r))) rows.set(keyOf(r), { ...r, customerId: idOf(targets[i]!) });
    });
    // One order of keys in every transaction, so two racing inserts wait rather than deadlock.
    const ordered = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    const back = await repo.insertIdentities(ordered, now);
    const after = new Map(owners);
    for (const k of rows.keys()) if (back.has(k)) after.set(k, back.get(k)!);
    const winners = [...new Set(after.values())].filter((id) => !known.has(id));
    // Someone else's rows: a concurrent transaction created these people a moment ago.
    if (winners.length) await this.load(repo, known, winners);

    // After the inserts, a known person is whoever owns their strongest identity. A new customer
    // that lost any identity to someone else joins the owner of the strongest one it lost: it
    // holds nothing but identities yet, so joining costs nothing.
    const freshIds = new Set(ids);
    const finals = claims.map((claim, i) => {
      const mine = idOf(targets[i]!);
      const isNew = freshIds.has(mine);
      for (const r of claim.identities) {
        const owner = after.get(keyOf(r));
        if (owner === undefined || (isNew && freshIds.has(owner))) continue;
        const c = live(owner);
        if (c && accepts(claim, c, r)) return c.id;
      }
      return mine;
    });
    const adopted = new Map<number, number>();
    claims.forEach((_, i) => {
      const t = targets[i]!;
      if (typeof t !== 'number' && finals[i] !== t.id && !adopted.has(t.id!)) adopted.set(t.id!, finals[i]!);
    });
    if (adopted.size) {
      await repo.adoptCustomers([...adopted].map(([loser, winner]) => ({ loser, winner })));
      this.d.log.info({ customers: adopted.size }, 'lost an identity race; joined the customer that won it');
    }
    const resolved = finals.map((id) => adopted.get(id) ?? id);

    // What each entry point learned, by the one overwrite rule; each changed customer is written once.
    const kept = new Set(fresh.filter((f) => !adopted.has(f.id!)).map((f) => f.id!));
    const patches = new Map<number, Partial<Customer>>();
    claims.forEach((claim, i) => {
      const id = resolved[i]!;
      if (kept.has(id)) return;
      const c = known.get(id)!;
      const patch = factsPatch(c, claim.facts);
      if (!Object.keys(patch).length) return;
      Object.assign(c, patch, { updatedAt: now });
      patches.set(id, { ...patches.get(id), ...patch, updatedAt: now });
    });
    for (const [id, patch] of patches) await repo.updateCustomer(id, patch);

    return claims.map((claim, i) => {
      const id = resolved[i]!;
      const notAttached = claim.identities.filter((r) => {
        const owner = after.get(keyOf(r));
        return owner !== undefined && (adopted.get(owner) ?? owner) !== id;
      });
      if (notAttached.length) this.d.log.info({ customerId: id, kinds: notAttached.map((r) => r.kind) }, 'identity belongs to another customer; left for merge');
      return { customer: { ...known.get(id)! }, created: kept.has(id), notAttached };
    });
  }

  private async load(repo: IdentityRepo, known: Map<number, Customer>, ids: number[]): Promise<void> {
    const want = [...new Set(ids)].filter((id) => !known.has(id));
    if (!want.length) return;
    for (const c of await repo.findCustomersForUpdate(want)) known.set(c.id, c);
    const targets = [...known.values()].flatMap((c) => (c.mergedInto && !known.has(c.mergedInto) ? [c.mergedInto] : []));
    if (targets.length) for (const c of await repo.findCustomersForUpdate([...new Set(targets)])) known.set(c.id, c);
  }
}

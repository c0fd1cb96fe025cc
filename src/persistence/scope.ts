import type { Knex } from 'knex';
import type { QueryScope } from '../domain/access/access.js';
import { likeFragment } from './db.js';

/**
 * Where a query's rows keep the facts a scope filters on:
 * - `store`: the row's store column;
 * - `owner`: the row's owner-rep column, when the row has one;
 * - `customer`: else the id of the customer the row is about (filtered by that customer's owner);
 * - `staffList`: else a JSON array of rep ids (a channel shared by several reps).
 */
export interface ScopeColumns {
  store: string;
  owner?: string;
  customer?: string;
  staffList?: string;
}

/**
 * The one translation of a principal's scope (domain/access decides it) into WHERE clauses:
 * every list, report and export of the mini-program goes through here.
 */
export function applyScope(db: Knex, q: Knex.QueryBuilder, scope: QueryScope, cols: ScopeColumns): Knex.QueryBuilder {
  if (scope.kind === 'store') return q.where(cols.store, scope.storeId);
  if (scope.kind === 'all') return q;
  if (cols.owner) return q.where(cols.owner, scope.ownerUserId);
  if (cols.customer) return q.whereIn(cols.customer, db('customers').select('id').where('owner_userid', scope.ownerUserId));
  if (cols.staffList) return q.whereRaw(`${cols.staffList} like ? escape '!'`, [likeFragment(JSON.stringify(scope.ownerUserId))]);
  throw new Error('applyScope: an owner scope needs an owner, customer or staff-list column');
}

import type { Stage } from '../customer/customer.types.js';

/**
 * The lifecycle stage after a paid order, from the stage before it and how many orders the
 * customer had before it. A first order makes a customer 'new'; any later one 'repeat'; a
 * dormant or churned customer who buys is 'reactivated' (the reactivation report counts them),
 * and buys again as 'repeat'.
 */
export function stageAfterOrder(before: Stage, ordersBefore: number): Stage {
  if (before === 'dormant' || before === 'churned') return 'reactivated';
  return ordersBefore === 0 ? 'new' : 'repeat';
}

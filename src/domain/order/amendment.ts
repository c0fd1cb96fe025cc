import { AppError } from '../../shared/errors.js';
import type { NewOrder, Order, OrderItem } from './order.types.js';

/** A field of an order that a repeat of the same order number may not change. */
export type OrderField = 'amountFen' | 'paidAt' | 'storeId' | 'items';

const FIELD_LABEL: Record<OrderField, string> = { amountFen: '金额', paidAt: '支付时间', storeId: '门店', items: '商品明细' };

const itemsKey = (items: OrderItem[]) => JSON.stringify(items.map((i) => [i.sku, i.name, i.qty, i.priceFen]));

/**
 * What a repeat of a recorded order number says differently from the recorded order.
 * Siyu does not amend recorded orders (their amount is already counted in the customer's
 * totals, RFM and journeys): a repeat that is identical is a safe retry, anything else is a
 * conflict the sender must resolve. Fields the repeat left out (no paid time given to an
 * operator entry, no store, no items) are not compared.
 */
export function orderDifferences(recorded: Order, repeat: NewOrder): OrderField[] {
  const out: OrderField[] = [];
  if (recorded.amountFen !== repeat.amountFen) out.push('amountFen');
  if (!repeat.paidAtDefaulted && recorded.paidAt !== repeat.paidAt) out.push('paidAt');
  if (repeat.storeId !== null && recorded.storeId !== repeat.storeId) out.push('storeId');
  if (repeat.items.length > 0 && itemsKey(recorded.items) !== itemsKey(repeat.items)) out.push('items');
  return out;
}

/** 409 ORDER.CONFLICT: the order number is recorded with other content; nothing was changed. */
export function orderConflict(recorded: Order, fields: OrderField[]): AppError {
  return new AppError(
    'ORDER.CONFLICT',
    `订单号 ${recorded.orderNo} 已记录，本次的${fields.map((f) => FIELD_LABEL[f]).join('、')}与已记录的不同；已记录的订单未作改动。更正订单请使用新的订单号，或联系总部运营处理`,
    { status: 409, details: { orderNo: recorded.orderNo, fields, recorded: { amountFen: recorded.amountFen, paidAt: new Date(recorded.paidAt).toISOString(), storeId: recorded.storeId } } },
  );
}

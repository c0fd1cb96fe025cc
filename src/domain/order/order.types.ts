/** One line of an order, as the mall or operator gave it. */
export interface OrderItem {
  sku: string;
  name: string;
  qty: number;
  priceFen: number;
}

/** Where an order came from: admin | csv | wxpay | pos:<source key>. */
export type OrderSourceName = string;

export interface Order {
  id: number;
  storeId: number | null;
  customerId: number;
  source: OrderSourceName;
  orderNo: string;
  amountFen: number;
  currency: string;
  status: 'paid' | 'refunded';
  paidAt: number;
  /** The customer's first channel when the order came in (funnel attribution). */
  channelId: number | null;
  items: OrderItem[];
  createdAt: number;
}

/** What the onPaid hook hears about an order, after its transaction committed. */
export interface PaidOrder {
  id: number;
  customerId: number;
  storeId: number | null;
  amountFen: number;
  paidAt: number;
  source: OrderSourceName;
  orderNo: string;
  /** It arrived through an import of history (CSV), not from a live sale, whatever its source says. */
  imported: boolean;
}

/**
 * Who bought: a known customer id (operator entry), or identities to find the customer by;
 * a customer is created when none of them is known.
 */
export type Buyer =
  | { customerId: number }
  | { phone?: string; externalUserId?: string; unionid?: string; mpOpenid?: { appid: string; openid: string }; name?: string };

export interface NewOrder {
  source: OrderSourceName;
  orderNo: string;
  amountFen: number;
  paidAt: number;
  /** True when paidAt is "now" because the sender gave none: a repeat is then not compared on it. */
  paidAtDefaulted?: boolean;
  storeId: number | null;
  items: OrderItem[];
  buyer: Buyer;
}

/** A mall or POS system allowed to push orders; its secret never leaves the server after creation. */
export interface OrderSource {
  id: number;
  key: string;
  name: string;
  storeId: number | null;
  active: boolean;
  createdAt: number;
}

export const orderSourceOf = (key: string) => `pos:${key}`;

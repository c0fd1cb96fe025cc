/** What people read for an order's status and source (exports); the codes stay in the API. */
const STATUS: Record<string, string> = { paid: '已支付', refunded: '已退款' };
const SOURCE: Record<string, string> = { admin: '人工录入', csv: '表格导入', wxpay: '微信支付', pos: '收银/商场' };

export const orderStatusLabel = (status: string): string => (Object.hasOwn(STATUS, status) ? STATUS[status]! : '未知状态');

/**
 * `pos:<key>` reads as the source's name (「万达商城」) when it is known, else 「收银/商场（key）」;
 * a source an import row made up reads as 「表格导入（…）」.
 */
export function orderSourceLabel(source: string, sourceNames: Map<string, string>): string {
  if (source.startsWith('pos:')) {
    const key = source.slice(4);
    return sourceNames.get(key) ?? `收银/商场（${key}）`;
  }
  return Object.hasOwn(SOURCE, source) ? SOURCE[source]! : `表格导入（${source}）`;
}

/** The keys of the order_sources named by `pos:<key>` sources. */
export const posKeys = (sources: string[]): string[] => [...new Set(sources.filter((s) => s.startsWith('pos:')).map((s) => s.slice(4)))];

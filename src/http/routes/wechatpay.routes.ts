import Router from '@koa/router';
import type { OrderService } from '../../domain/order/order.service.js';
import { PayNotifyError, type WechatPayNotify } from '../../integrations/wechat/pay-notify.js';
import { isAppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { readBytes } from '../body.js';

/**
 * WeChat Pay's payment-success notify_url. Answers in WeChat Pay's own terms: 204 when
 * recorded (or recorded before, or an event we do not use), otherwise 4xx/5xx with
 * {"code":"FAIL","message"} so WeChat Pay retries.
 */
export function wechatPayRoutes(d: { notify: WechatPayNotify; orders: OrderService; clock: Clock; log: Logger }): Router {
  const r = new Router();

  r.post('/wechatpay/notify', async (ctx) => {
    try {
      const raw = await readBytes(ctx, 64 * 1024);
      const n = d.notify.open(
        { serial: ctx.get('wechatpay-serial'), signature: ctx.get('wechatpay-signature'), timestamp: ctx.get('wechatpay-timestamp'), nonce: ctx.get('wechatpay-nonce') },
        raw,
      );
      const t = n.transaction;
      if (n.eventType === 'TRANSACTION.SUCCESS' && t && t.trade_state === 'SUCCESS') {
        const { order, created } = await d.orders.recordWxPay({
          appid: t.appid,
          outTradeNo: t.out_trade_no,
          openid: t.payer.openid,
          amountFen: t.amount.total,
          paidAt: t.success_time ? Date.parse(t.success_time) : d.clock.now(),
        });
        d.log.info({ notificationId: n.id, orderId: order.id, created }, 'wechat pay notification recorded');
      } else {
        d.log.info({ notificationId: n.id, eventType: n.eventType }, 'wechat pay notification ignored');
      }
      ctx.status = 204;
    } catch (e) {
      const status = e instanceof PayNotifyError || isAppError(e) ? e.status : 500;
      const reason = e instanceof PayNotifyError ? e.reason : isAppError(e) ? e.code : 'internal';
      ctx.status = status;
      ctx.body = { code: 'FAIL', message: status >= 500 && !(e instanceof PayNotifyError) ? '处理失败' : (e as Error).message };
      d.log.warn({ status, reason, err: status >= 500 ? (e as Error).message : undefined }, 'wechat pay notification refused');
    }
  });

  return r;
}

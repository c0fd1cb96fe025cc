import type { JourneyInput } from './journey.service.js';

/** Segments whose dormant customers get a personal call from their rep instead of a bot message. */
export const HIGH_VALUE_SEGMENTS = ['important_value', 'important_develop', 'important_keep', 'important_retain'];

/**
 * The journeys Siyu ships with. Seeded once by key; operators edit texts and delays through
 * the admin API (or the mini-program) and their edits stay.
 */
export const DEFAULT_JOURNEYS: Array<JourneyInput & { key: string }> = [
  {
    key: 'post_purchase',
    storeId: null,
    name: '购后关怀',
    trigger: 'order_paid',
    triggerArg: null,
    reentry: 'always',
    reentryDays: null,
    enabled: true,
    goal: null,
    steps: [
      { type: 'wait', minutes: 10 },
      { type: 'send', text: '感谢{name}的购买！送您一张复购券，券码 {coupon}，下次到店出示即可使用。', coupon: true },
      { type: 'wait', days: 3, at: '10:00' },
      { type: 'send', text: '{name}您好，分享几个使用小贴士：按说明保存、首次使用前清洁、遇到问题随时在这里问我。' },
      { type: 'wait', days: 4, at: '10:00' },
      { type: 'ask', question: 'nps' },
      { type: 'wait', days: 23, at: '10:00' },
      { type: 'branch', if: { kind: 'bought_again' }, then: 'end', else: 8 },
      { type: 'send', text: '{name}您好，距上次购买快一个月了，常用的可以补货啦，回复“地址”查看门店位置。' },
    ],
  },
  {
    key: 'reactivation',
    storeId: null,
    name: '沉睡唤醒',
    trigger: 'dormant',
    triggerArg: null,
    reentry: 'always',
    reentryDays: null,
    enabled: true,
    goal: { kind: 'order_paid', windowDays: 14 },
    steps: [
      { type: 'branch', if: { kind: 'segment_in', segments: HIGH_VALUE_SEGMENTS }, then: 3, else: 1 },
      { type: 'send', text: '{name}好久不见！送您一张回归券，券码 {coupon}，14 天内到店使用。', coupon: true },
      { type: 'branch', if: { kind: 'always' }, then: 'end', else: 'end' },
      { type: 'task', title: '高价值沉睡客户{name}：请电话回访，并赠送专属回归券 {coupon}', coupon: true },
    ],
  },
  {
    // A lost customer cannot be messaged by the rep they deleted; the rep calls (or the bot
    // writes, where the customer still chats with it). Shipped off: a store decides whether
    // and how to win people back.
    key: 'win_back',
    storeId: null,
    name: '流失挽回',
    trigger: 'contact_lost',
    triggerArg: null,
    reentry: 'after_days',
    reentryDays: 90,
    enabled: false,
    goal: { kind: 'order_paid', windowDays: 30 },
    steps: [
      { type: 'wait', days: 1, at: '10:00' },
      { type: 'task', title: '流失客户{name}：请电话回访，了解原因，邀请重新添加并赠送回归券 {coupon}', dueDays: 2, coupon: true },
    ],
  },
];

/**
 * Every system text of the bot: its key, the variables it accepts and its default Chinese
 * text. Operators override a text per store or for all stores through the admin API
 * (bot_templates); code refers to keys only.
 */
const CUSTOMER = ['name', 'store'] as const;

export const DEFAULT_REPLY_TEXTS = {
  fallback: {
    vars: CUSTOMER,
    text: '抱歉，我没太明白您的意思。您可以换个说法，或回复“转人工”联系客服。',
  },
  'handoff.customer': {
    vars: CUSTOMER,
    text: '好的，已为您转接人工客服，同事会尽快回复您，请稍候。',
  },
  'handoff.rep': {
    vars: ['customer', 'store', 'text', 'customerId', 'task'],
    text: '客户{customer}（编号 {customerId}）需要人工回复，已生成任务 #{task}：\n“{text}”\n请在企业微信中直接回复客户，回复后机器人会暂停应答。',
  },
  'optout.confirm': {
    vars: CUSTOMER,
    text: '已为您退订，之后不会再收到活动消息。如需恢复，回复“恢复订阅”即可。',
  },
  'optin.confirm': {
    vars: CUSTOMER,
    text: '已为您恢复订阅，感谢关注！如需退订，回复“退订”即可。',
  },
  'optout.already': {
    vars: CUSTOMER,
    text: '您已退订，不会再收到活动消息。如需恢复，回复“恢复订阅”即可。',
  },
  'group.welcome': {
    // No {store}: a group is not one store's, and the bot does not know which store a room serves.
    vars: ['count'],
    text: '欢迎加入本群！有问题可以直接@我，营业时间、地址、优惠都能帮您查。',
  },
  'spam.warn': {
    vars: ['name', 'strikes', 'max'],
    text: '请勿在群内发布广告或无关链接（第 {strikes}/{max} 次提醒），满 {max} 次将被移出群聊。',
  },
  'spam.removed': {
    vars: ['name'],
    text: '{name} 多次发布违规内容，已被移出群聊。',
  },
  'spam.owner': {
    vars: ['name', 'group', 'strikes'],
    text: '群“{group}”的成员 {name} 已 {strikes} 次发布违规内容，请群主及时处理。',
  },
  'ask.nps': {
    vars: CUSTOMER,
    text: '您愿意把我们推荐给亲友吗？请回复 0 到 10 的数字，10 表示非常愿意。',
  },
  'ask.nps.invalid': {
    vars: CUSTOMER,
    text: '请回复 0 到 10 之间的一个整数。',
  },
  'ask.nps.thanks': {
    vars: [...CUSTOMER, 'score'],
    text: '感谢您的评价，我们会继续努力！',
  },
  'ask.birthday': {
    vars: CUSTOMER,
    text: '方便告诉我们您的生日吗？生日当月会有一份小礼物。请按“月-日”回复，例如 3-15。',
  },
  'ask.birthday.invalid': {
    vars: CUSTOMER,
    text: '没能识别这个日期，请按“月-日”回复，例如 3-15。',
  },
  'ask.birthday.thanks': {
    vars: [...CUSTOMER, 'birthday'],
    text: '已记下您的生日（{birthday}），谢谢！',
  },
  'task.handoff': {
    vars: ['customer', 'text'],
    text: '回复客户{customer}：{text}',
  },
  // Staff notices (WeCom app messages) when a customer is lost: no rep has them as a contact any more.
  'notice.customer_lost': {
    vars: ['customer', 'customerId', 'rep', 'store'],
    text: '客户{customer}（编号 {customerId}）删除了导购{rep}，已没有导购能联系到 TA，客户阶段已改为“流失”。可在小程序客户列表按“流失”筛选查看。',
  },
  'notice.customer_removed': {
    vars: ['customer', 'customerId', 'rep', 'store'],
    text: '导购{rep}删除了客户{customer}（编号 {customerId}），已没有导购能联系到 TA，客户阶段已改为“流失”。可在小程序客户列表按“流失”筛选查看。',
  },
  // Journey touches that neither the bot nor a WeCom template could carry become these rep tasks.
  'task.journey.message': {
    vars: ['customer', 'text'],
    text: '请联系客户{customer}：{text}',
  },
  'task.journey.nps': {
    vars: ['customer'],
    text: '请询问客户{customer}：满意度（0-10 分）',
  },
  'task.journey.birthday': {
    vars: ['customer'],
    text: '请询问客户{customer}：生日',
  },
  'rep.help': {
    vars: ['name'],
    text: '可用指令：\n今日任务 — 查看今天的待办\n完成 <编号> <结果> — 标记任务完成\n客户 <手机尾号或姓名> — 查找客户\n帮助 — 显示本说明',
  },
  'rep.unknown_staff': {
    vars: [],
    text: '您还不是已登记的门店成员，请联系管理员开通。',
  },
  'rep.tasks.none': {
    vars: ['name'],
    text: '今天没有待办任务。',
  },
  'rep.tasks.header': {
    vars: ['name', 'count'],
    text: '今日任务（共 {count} 项）：',
  },
  'rep.task.done': {
    vars: ['id', 'outcome'],
    text: '任务 #{id} 已完成：{outcome}',
  },
  'rep.task.not_found': {
    vars: ['id'],
    text: '没有找到您名下未完成的任务 #{id}，请发送“今日任务”核对编号。',
  },
  'rep.customer.none': {
    vars: ['query'],
    text: '没有找到与“{query}”匹配的客户。',
  },
  'rep.customer.many': {
    vars: ['query', 'count'],
    text: '找到 {count} 位与“{query}”匹配的客户（发送更完整的姓名或手机尾号可缩小范围）：',
  },
} as const satisfies Record<string, { vars: readonly string[]; text: string }>;

export type ReplyTextKey = keyof typeof DEFAULT_REPLY_TEXTS;
export const REPLY_TEXT_KEYS = Object.keys(DEFAULT_REPLY_TEXTS) as ReplyTextKey[];

export const isReplyTextKey = (k: string): k is ReplyTextKey => Object.hasOwn(DEFAULT_REPLY_TEXTS, k);

/**
 * The reports part of /api/mp (mp-reports.routes.ts) in OpenAPI 3.1, merged into MP_OPENAPI.
 * Kept separate so the two route files' documents change independently.
 */
import { json, err, secured, idParam } from './mp-openapi.parts.js';
const int = { type: 'integer' };
const str = { type: 'string' };
const nullableNum = { type: ['number', 'null'] };
const obj = (properties: Record<string, object>) => ({ type: 'object', properties });
/** A 95% interval (Newcombe for a lift, Wilson for a rate); null when a group is empty. */
const ci95 = { type: ['object', 'null'], properties: { low: { type: 'number' }, high: { type: 'number' } } };
const liftStats = {
  ci95,
  verdict: { enum: ['higher', 'lower', 'unclear', 'no_data'], description: 'unclear: the interval contains 0' },
  note: { type: 'string', description: '中文说明，如「样本太少，尚不能判断」' },
};
const arr = (items: object) => ({ type: 'array', items });
const q = (name: string, schema: object, description?: string) => ({ name, in: 'query', schema, ...(description ? { description } : {}) });
const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
const period = [q('from', day, '起始日（含，上海时间）；缺省为截至今天的 30 天'), q('to', day, '结束日（含）；缺省为今天'), q('storeId', int, '仅总部可指定任意门店；其他角色只能是本店，否则 404')];
const page = [q('limit', { type: 'integer', minimum: 1, maximum: 100, default: 20 }), q('offset', { type: 'integer', minimum: 0, default: 0 })];
const common = { '400': err('参数有误'), '401': err('未登录或登录已失效 (MP.UNAUTHORIZED)'), '404': err('门店不在权限范围内 (MP.NOT_FOUND)') };
const forbidden = { '403': err('角色无权 (MP.FORBIDDEN)') };

const stats = obj({ entered: int, sent: int, delivered: int, replied: int, converted: int, skipped: int });
const journey = obj({
  id: int,
  key: { type: ['string', 'null'] },
  name: str,
  storeId: { type: ['integer', 'null'], description: 'null 为总部旅程（全部门店）' },
  trigger: obj({ type: { enum: ['order_paid', 'contact_added', 'tag_added', 'segment_entered', 'dormant', 'contact_lost'] }, arg: str }),
  enabled: { type: 'boolean' },
  steps: arr(
    obj({
      id: { type: 'integer', description: '步骤序号（从 0 开始）' },
      kind: { enum: ['wait', 'send', 'ask', 'task', 'tag', 'branch'] },
      delay: { type: 'integer', description: 'wait：等待分钟数（同 delayMinutes）' },
      delayMinutes: int,
      at: { type: ['string', 'null'], description: 'wait：等待后到当天该时刻 HH:MM' },
      templateText: { type: 'string', description: 'send：消息文案，{name}/{coupon} 会被替换' },
      editable: arr({ enum: ['delayMinutes', 'templateText'] }),
    }),
  ),
  stats,
  canEdit: { type: 'boolean', description: '当前账号能否启停与编辑' },
  updatedAt: { type: 'string', format: 'date-time' },
});
const journeyErrors = { '401': common['401'], '404': err('不存在或无权查看 (MP.NOT_FOUND)'), ...forbidden };
const csv = (summary: string, parameters: object[]) => ({
  get: {
    ...secured,
    summary,
    parameters,
    responses: {
      '200': {
        description: 'UTF-8（带 BOM）CSV，手机号打码；最多 10000 行（按时间倒序），超出时 X-Export-Truncated: 1',
        headers: { 'X-Export-Rows': { schema: int }, 'X-Total-Count': { schema: int }, 'X-Export-Truncated': { schema: { enum: ['0', '1'] } } },
        content: { 'text/csv': { schema: str } },
      },
      ...common,
      ...forbidden,
    },
  },
});

export const MP_REPORTS_PATHS = {
  '/api/mp/journeys': {
    get: { ...secured, summary: '旅程列表与效果（总部全部；店长、导购为总部旅程与本店旅程；数字按角色范围统计）', parameters: page, responses: { '200': json(obj({ items: arr(journey), total: int, limit: int, offset: int })), '401': common['401'] } },
  },
  '/api/mp/journeys/{id}': {
    get: { ...secured, summary: '旅程详情', parameters: [idParam], responses: { '200': json(journey), ...journeyErrors } },
    patch: {
      ...secured,
      summary: '修改等待时长与消息文案（总部任意旅程，店长仅本店旅程）。已在等待中的客户保持原定时间，已生成的触达保持原文案',
      parameters: [idParam],
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['steps'],
          properties: { steps: arr({ type: 'object', required: ['id'], properties: { id: int, delayMinutes: { type: 'integer', minimum: 0, maximum: 527040 }, templateText: { type: 'string', minLength: 1, maxLength: 1000 } } }) },
        }),
      },
      responses: { '200': json(journey), '400': err('步骤不存在、不可修改或内容无效 (MP.STEP_NOT_FOUND / MP.STEP_NOT_EDITABLE / JOURNEY.INVALID)'), ...journeyErrors },
    },
  },
  '/api/mp/journeys/{id}/enable': { post: { ...secured, summary: '启用旅程', parameters: [idParam], responses: { '200': json(journey), ...journeyErrors } } },
  '/api/mp/journeys/{id}/disable': { post: { ...secured, summary: '停用旅程：进行中的客户在下一步退出，未发出的触达跳过', parameters: [idParam], responses: { '200': json(journey), ...journeyErrors } } },
  '/api/mp/reports/funnel': {
    get: {
      ...secured,
      summary: '渠道漏斗：按渠道或点位属性（如 楼栋）分组。导购为分配给自己的渠道',
      parameters: [...period, q('groupBy', { type: 'string', default: 'channel' }, 'channel 或属性名')],
      responses: {
        '200': json(obj({ from: day, to: day, groupBy: str, rows: arr(obj({ key: str, channelIds: arr(int), scans: int, visitors: int, leads: int, leadsAdded: int, adds: int, addsWithoutLead: int, addsFirstOrder: int, claims: int, firstOrders: int, revenueFen: int, rates: { ...obj({ visitorToLead: nullableNum, leadToAdd: nullableNum, addToFirstOrder: nullableNum }), description: '每个比率的分子都是分母中的人：visitorToLead = leads/visitors，leadToAdd = leadsAdded/leads（未留资直接加微的人另计在 addsWithoutLead），addToFirstOrder = addsFirstOrder/adds；0–1，分母为 0 时为 null' } })) })),
        ...common,
      },
    },
  },
  // Every lift and rate carries its 95% interval (null when a group is empty) and what it lets one say.
  '/api/mp/reports/journeys': {
    get: {
      ...secured,
      summary: '旅程效果：期间内进入的客户及其触达（导购为本人客户）',
      parameters: period,
      responses: { '200': json(obj({ from: day, to: day, conversionDays: int, rows: arr(obj({ journeyId: int, name: str, enabled: { type: 'boolean' }, entered: int, sent: int, delivered: int, replied: int, converted: int, skipped: int, ci95: obj({ replied: ci95, converted: ci95 }) })) })), ...common },
    },
  },
  '/api/mp/reports/reactivation': {
    get: {
      ...secured,
      summary: '沉睡唤醒效果：实验组与对照组（holdout）14 天内转化率及提升',
      parameters: [...period, q('runId', int, '某次 RFM 批次；给出时忽略 from/to')],
      responses: {
        '200': json(obj({ treated: obj({ n: int, converted: int, rate: nullableNum }), holdout: obj({ n: int, converted: int, rate: nullableNum }), lift: nullableNum, ...liftStats, conversionDays: int, bySegment: arr(obj({ segment: { type: ['string', 'null'] }, label: str, treatedRate: nullableNum, holdoutRate: nullableNum, lift: nullableNum, ...liftStats })) })),
        ...common,
      },
    },
  },
  '/api/mp/reports/nps': {
    get: {
      ...secured,
      summary: 'NPS（0–10 分：9–10 推荐、7–8 中立、0–6 贬损）；总部跨门店时附各店',
      parameters: period,
      responses: { '200': json(obj({ nps: nullableNum, promoters: int, passives: int, detractors: int, responses: int, byStore: arr(obj({ storeId: { type: ['integer', 'null'] }, nps: nullableNum, responses: int })) })), ...common },
    },
  },
  '/api/mp/reports/rfm': {
    get: {
      ...secured,
      summary: 'RFM 分群分布（最近一次评分）',
      parameters: [period[2]!],
      responses: { '200': json(obj({ asOf: { type: ['string', 'null'], format: 'date-time' }, total: int, segments: arr(obj({ segment: str, label: str, count: int, share: { type: 'number' } })) })), ...common },
    },
  },
  '/api/mp/reports/ltv': {
    get: {
      ...secured,
      summary: '按首个来源渠道的客户价值：期间内新增客户至今的已支付订单',
      parameters: period,
      responses: { '200': json(obj({ from: day, to: day, rows: arr(obj({ channelId: { type: ['integer', 'null'] }, channelName: str, customers: int, orders: int, revenueFen: int, ltvFen: int })) })), ...common },
    },
  },
  '/api/mp/export/customers.csv': csv('导出客户 CSV（总部、店长；写入审计日志）；筛选同客户列表', [q('q', str), q('tag', str), q('stage', str)]),
  '/api/mp/export/orders.csv': csv('导出订单 CSV（总部、店长；写入审计日志）', [q('customerId', int), q('from', day, '支付日起（含）'), q('to', day, '支付日止（含）')]),
  '/api/mp/audit-log': {
    get: {
      ...secured,
      summary: '审计日志（仅总部），最新在前',
      parameters: page,
      responses: {
        '200': json(obj({ items: arr(obj({ id: int, staffId: int, staffName: { type: ['string', 'null'] }, action: str, targetType: str, targetId: str, at: { type: 'string', format: 'date-time' }, ipHash: { type: ['string', 'null'] }, detail: { type: 'object' } })), total: int, limit: int, offset: int })),
        '401': common['401'],
        ...forbidden,
      },
    },
  },
} as const;

/** The 429 answer of the rate-limited open endpoints (login, bind, refresh). */
export const RATE_LIMITED_RESPONSE = {
  '429': {
    description: '操作过于频繁 (MP.RATE_LIMITED)；按地址与按微信用户/刷新令牌的固定窗口限流',
    headers: { 'Retry-After': { description: '秒', schema: int } },
    ...json({ $ref: '#/components/schemas/Error' }),
  },
} as const;

/**
 * OpenAPI paths and schemas of mp-operations.routes.ts, merged into MP_OPENAPI (mp-openapi.ts).
 * Kept in step with the router by the OpenAPI test in test/http/mp-rbac.test.ts.
 */
import { json, ref, err, idParam, keysetList, keysetPage, page, secured, authErrors } from './mp-openapi.parts.js';
const storeParam = { name: 'storeId', in: 'query', description: '仅总部可指定任意门店；其他角色只能指定本店', schema: { type: 'integer', minimum: 1 } };
const hidden = { '404': err('不存在或无权查看 (MP.NOT_FOUND)') };
const forbidden = { '403': err('角色无权 (MP.FORBIDDEN)') };
const bad = { '400': err('参数有误 (REQUEST.INVALID 等)') };
const nullableString = { type: ['string', 'null'] };
const nullableInt = { type: ['integer', 'null'] };
const list = (item: object) => json({ type: 'object', properties: { items: { type: 'array', items: item }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } } });
const counts = { scans: { type: 'integer' }, leads: { type: 'integer' }, adds: { type: 'integer' }, orders: { type: 'integer' }, revenueFen: { type: 'integer' }, touchesSent: { type: 'integer' }, replies: { type: 'integer' } };
const png = { description: 'PNG 图片（可保存到相册）', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } };
const removeList = {
  type: 'array',
  maxItems: 20,
  description: '按标签 id（详情中的 tags[].id）或「组:名」移除；只写标签名时，客户须只有一个同名标签，否则 400 CUSTOMER.TAG_AMBIGUOUS',
  items: { oneOf: [{ type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }, { type: 'string' }, { type: 'object', properties: { group: { type: 'string' }, name: { type: 'string' } } }] },
};
const tagList = { type: 'array', maxItems: 20, items: { oneOf: [{ type: 'string', description: '「组:名」或标签名' }, { type: 'object', properties: { group: { type: 'string' }, name: { type: 'string' } } }] } };
const channelFields = {
  kind: { enum: ['poster', 'elevator', 'community', 'counter', 'event', 'online', 'other'] },
  storeId: { type: 'integer', description: '店长只能为本店创建（缺省即本店）' },
  staffUserIds: { type: 'array', items: { type: 'string' }, minItems: 1 },
  welcomeText: { type: 'string', maxLength: 1300 },
  tags: tagList,
};

export const MP_CORE_SCHEMAS = {
  Store: { type: 'object', properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' } } },
  Channel: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      code: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      storeId: nullableInt,
      status: { enum: ['active', 'paused'] },
      attributes: { type: 'object', additionalProperties: { type: 'string' } },
      staffUserIds: { type: 'array', items: { type: 'string' } },
      funnel: { type: 'object', description: '近 30 天（含今天）', properties: { scans: { type: 'integer' }, leads: { type: 'integer' }, adds: { type: 'integer' }, firstOrders: { type: 'integer' } } },
      landingUrl: { type: 'string' },
      qrPngUrl: { type: 'string' },
      posterUrl: { type: 'string' },
      offer: nullableString,
      batchKey: nullableString,
      syncState: { enum: ['pending', 'synced', 'failed'] },
      createdAt: { type: 'string', format: 'date-time' },
      welcomeText: { type: 'string', description: '仅详情' },
      tags: { type: 'array', description: '仅详情', items: { type: 'object', properties: { group: { type: 'string' }, name: { type: 'string' } } } },
    },
  },
  Order: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      orderNo: { type: 'string' },
      source: { type: 'string' },
      customerId: { type: 'integer' },
      customerName: nullableString,
      storeId: nullableInt,
      amountFen: { type: 'integer' },
      paidAt: { type: 'string', format: 'date-time' },
      status: { enum: ['paid', 'refunded'] },
      channelId: nullableInt,
      items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, name: { type: 'string' }, qty: { type: 'integer' }, priceFen: { type: 'integer' } } } },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
} as const;

export const MP_CORE_PATHS = {
  '/api/mp/stores': {
    get: { ...secured, summary: '可见门店（总部全部，其他角色本店）', parameters: page, responses: { '200': list(ref('Store')), ...bad, ...authErrors } },
  },
  '/api/mp/dashboard': {
    get: {
      ...secured,
      summary: '首页：今日扫码、留资、加微、订单与金额、触达、回复、到期任务，及近 7 天趋势（旧→新）',
      parameters: [storeParam],
      responses: {
        '200': json({
          type: 'object',
          properties: {
            day: { type: 'string', format: 'date' },
            today: { type: 'object', properties: { ...counts, tasksDue: { type: 'integer' } } },
            trend: { type: 'array', minItems: 7, maxItems: 7, items: { type: 'object', properties: { day: { type: 'string', format: 'date' }, ...counts } } },
          },
        }),
        ...bad,
        ...authErrors,
        ...hidden,
      },
    },
  },
  '/api/mp/customers/{id}': {
    patch: {
      ...secured,
      summary: '编辑客户标签（同步企业微信 mark_tag）与备注；每项修改记入动态',
      parameters: [idParam],
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          properties: { tags: { type: 'object', properties: { add: tagList, remove: removeList } }, note: { type: 'string', maxLength: 500 } },
        }),
      },
      responses: { '200': { description: '客户详情（同 GET）' }, ...bad, ...authErrors, ...hidden },
    },
  },
  '/api/mp/channels': {
    get: {
      ...secured,
      summary: '渠道列表与近 30 天漏斗（导购：分配给本人的渠道）',
      parameters: [{ name: 'status', in: 'query', schema: { enum: ['active', 'paused'] } }, { name: 'q', in: 'query', schema: { type: 'string', maxLength: 30 } }, storeParam, ...page],
      responses: { '200': list(ref('Channel')), ...bad, ...authErrors, ...hidden },
    },
    post: {
      ...secured,
      summary: '创建渠道（总部、店长；店长仅限本店）',
      requestBody: { required: true, ...json({ type: 'object', required: ['name', 'kind', 'staffUserIds', 'welcomeText'], properties: { name: { type: 'string', maxLength: 30 }, ...channelFields, attributes: { type: 'object' } } }) },
      responses: { '201': json(ref('Channel')), '202': { description: '已保存，企业微信联系我配置稍后重试', ...json(ref('Channel')) }, ...bad, ...authErrors, ...forbidden, ...hidden },
    },
  },
  '/api/mp/channels/batch': {
    post: {
      ...secured,
      summary: '按投放维度批量创建（如 楼栋 × 电梯）；带 Idempotency-Key 重试返回同一批',
      parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 128 } }],
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['prefix', 'kind', 'staffUserIds', 'welcomeText', 'dimensions'],
          properties: { prefix: { type: 'string', maxLength: 20 }, ...channelFields, dimensions: { type: 'array', maxItems: 4, items: { type: 'object', properties: { label: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } } } } },
        }),
      },
      responses: {
        '201': json({ type: 'object', properties: { batchId: { type: 'string' }, created: { type: 'integer' }, existing: { type: 'integer' }, items: { type: 'array', items: ref('Channel') } } }),
        '200': { description: '同一批次已创建过' },
        ...bad,
        ...authErrors,
        ...forbidden,
        ...hidden,
      },
    },
  },
  '/api/mp/channels/{id}': {
    get: { ...secured, summary: '渠道详情', parameters: [idParam], responses: { '200': json(ref('Channel')), ...authErrors, ...hidden } },
  },
  '/api/mp/channels/{id}/pause': {
    post: { ...secured, summary: '暂停渠道（总部、店长）', parameters: [idParam], responses: { '200': json(ref('Channel')), ...authErrors, ...forbidden, ...hidden } },
  },
  '/api/mp/channels/{id}/resume': {
    post: { ...secured, summary: '恢复渠道（总部、店长）', parameters: [idParam], responses: { '200': json(ref('Channel')), ...authErrors, ...forbidden, ...hidden } },
  },
  '/api/mp/channels/{id}/qr.png': {
    get: {
      ...secured,
      summary: '落地页二维码 PNG',
      parameters: [idParam, { name: 'size', in: 'query', schema: { type: 'integer', minimum: 64, maximum: 2048, default: 512, multipleOf: 64 } }],
      responses: { '200': png, '304': { description: '未变化（ETag）' }, ...bad, ...authErrors, ...hidden },
    },
  },
  '/api/mp/channels/{id}/poster.png': {
    get: {
      ...secured,
      summary: '海报 PNG（A5 版式，文字与可打印的 SVG 海报相同：渠道名称、优惠语、投放位置），供保存到相册',
      parameters: [idParam, { name: 'size', in: 'query', description: '宽度像素', schema: { type: 'integer', minimum: 512, maximum: 2048, default: 1024, multipleOf: 64 } }],
      responses: { '200': png, '304': { description: '未变化（ETag）' }, ...bad, ...authErrors, ...hidden },
    },
  },
  '/api/mp/orders': {
    get: {
      ...secured,
      summary: '订单列表（总部全部、店长本店、导购本人客户的订单），按支付时间倒序',
      parameters: [{ name: 'customerId', in: 'query', schema: { type: 'integer' } }, storeParam, ...keysetPage],
      responses: { '200': keysetList(ref('Order')), ...bad, ...authErrors, ...hidden },
    },
    post: {
      ...secured,
      summary: '为可见客户录入订单（触发购后旅程）；带 Idempotency-Key 重试返回同一订单',
      parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 128 } }],
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['customerId', 'amountFen'],
          properties: {
            customerId: { type: 'integer' },
            amountFen: { type: 'integer', minimum: 1 },
            paidAt: { type: 'string', format: 'date-time' },
            items: { type: 'array', items: { type: 'object', required: ['name', 'qty', 'priceFen'], properties: { sku: { type: 'string' }, name: { type: 'string' }, qty: { type: 'integer' }, priceFen: { type: 'integer' } } } },
            note: { type: 'string', maxLength: 500 },
          },
        }),
      },
      responses: {
        '201': { description: '已录入', ...json(ref('Order')) },
        '200': { description: '重试：返回首次录入的订单', ...json(ref('Order')) },
        ...bad,
        ...authErrors,
        ...hidden,
        '409': err('Idempotency-Key 已用于另一笔订单 (MP.IDEMPOTENCY_CONFLICT)'),
      },
    },
  },
} as const;

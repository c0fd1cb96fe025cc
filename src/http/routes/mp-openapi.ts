/**
 * OpenAPI 3 description of /api/mp (served at GET /api/mp/openapi.json). Hand-written: keep it
 * in step with mp.routes.ts (test/http/mp-openapi.test.ts checks every route is listed).
 */
import { MP_CORE_PATHS, MP_CORE_SCHEMAS } from './mp-operations-openapi.js';
import { MP_REPORTS_PATHS, RATE_LIMITED_RESPONSE } from './mp-openapi.reports.js';
import { authErrors, err, idParam, json, keysetList, keysetPage, ref, secured } from './mp-openapi.parts.js';

const nullableString = { type: ['string', 'null'] };
const nullableInt = { type: ['integer', 'null'] };

const BASE = {
  openapi: '3.1.0',
  info: { title: 'Siyu mini-program API', version: '1.0.0', description: '门店小程序接口。除登录、绑定、刷新外均需 Bearer 访问令牌；数据按角色与门店限定，越权的编号一律返回 404。' },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } } } },
      },
      Staff: { type: 'object', properties: { name: { type: 'string' }, role: { enum: ['hq_admin', 'store_manager', 'rep'] }, storeId: nullableInt } },
      Session: {
        type: 'object',
        required: ['accessToken', 'refreshToken', 'staff'],
        properties: {
          accessToken: { type: 'string', description: 'JWT HS256, 15 分钟' },
          accessTokenExpiresAt: { type: 'string', format: 'date-time' },
          refreshToken: { type: 'string', description: '30 天，每次刷新轮换' },
          refreshTokenExpiresAt: { type: 'string', format: 'date-time' },
          staff: ref('Staff'),
        },
      },
      CustomerItem: {
        type: 'object',
        properties: { id: { type: 'integer' }, name: { type: 'string' }, stage: { type: 'string' }, storeId: nullableInt, ownerUserId: nullableString, phoneMasked: nullableString, tags: { type: 'array', items: { type: 'string' } } },
      },
      Task: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          kind: { type: 'string' },
          title: { type: 'string' },
          status: { enum: ['open', 'done', 'cancelled'] },
          dueAt: { type: 'string', format: 'date-time' },
          customerId: nullableInt,
          customerName: nullableString,
          staffUserId: { type: 'string' },
          storeId: nullableInt,
          outcome: nullableString,
          doneAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    },
  },
  paths: {
    '/api/mp/openapi.json': { get: { summary: '本文档', responses: { '200': { description: 'OpenAPI 3 文档' } } } },
    '/api/mp/login': {
      post: {
        summary: 'wx.login 的 code 换取登录态；未绑定的微信返回 bindToken',
        requestBody: { required: true, ...json({ type: 'object', required: ['code'], properties: { code: { type: 'string' } } }) },
        responses: {
          '200': json({ oneOf: [{ allOf: [ref('Session'), { properties: { needsBinding: { const: false } } }] }, { type: 'object', properties: { needsBinding: { const: true }, bindToken: { type: 'string' }, bindTokenExpiresAt: { type: 'string', format: 'date-time' } } }] }),
          '400': err('参数有误'),
          '401': err('code 无效、过期或已使用 (MP.CODE_INVALID)'),
          '403': err('账号已停用 (MP.STAFF_DISABLED)'),
          '503': err('微信不可用或未配置'),
          ...RATE_LIMITED_RESPONSE,
        },
      },
    },
    '/api/mp/bind': {
      post: {
        summary: '用管理员发放的邀请码绑定员工账号并登录（邀请码一次有效，72 小时过期）',
        requestBody: { required: true, ...json({ type: 'object', required: ['bindToken', 'inviteCode'], properties: { bindToken: { type: 'string' }, inviteCode: { type: 'string' } } }) },
        responses: { '200': { description: '登录态', ...json(ref('Session')) }, '400': err('邀请码无效、已使用或已过期 (MP.INVITE_INVALID)'), '401': err('绑定凭证无效 (MP.BIND_TOKEN_INVALID)'), '409': err('该微信已绑定 (MP.ALREADY_BOUND)'), ...RATE_LIMITED_RESPONSE },
      },
    },
    '/api/mp/refresh': {
      post: {
        summary: '轮换刷新令牌；旧令牌再次使用会吊销整组登录',
        requestBody: { required: true, ...json({ type: 'object', required: ['refreshToken'], properties: { refreshToken: { type: 'string' } } }) },
        responses: { '200': { description: '新登录态', ...json(ref('Session')) }, '401': err('刷新令牌无效 (MP.REFRESH_INVALID / MP.REFRESH_REUSED)'), ...RATE_LIMITED_RESPONSE },
      },
    },
    '/api/mp/logout': {
      post: {
        ...secured,
        summary: '退出：吊销该刷新令牌所在的登录，并使本人全部访问令牌失效',
        requestBody: { required: false, ...json({ type: 'object', properties: { refreshToken: { type: 'string' } } }) },
        responses: { '204': { description: '已退出' }, ...authErrors },
      },
    },
    '/api/mp/me': {
      get: { ...secured, summary: '当前员工', responses: { '200': json({ type: 'object', properties: { staffId: { type: 'integer' }, wecomUserId: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, storeId: nullableInt, storeName: { type: ['string', 'null'], description: '门店名称（总部为 null）' } } }), ...authErrors } },
    },
    '/api/mp/customers': {
      get: {
        ...secured,
        summary: '客户列表（总部全部、店长本店、导购本人的客户）',
        parameters: [
          { name: 'q', in: 'query', description: '姓名片段或手机尾号 4 位', schema: { type: 'string', maxLength: 32 } },
          { name: 'tag', in: 'query', schema: { type: 'string', maxLength: 30 } },
          { name: 'stage', in: 'query', schema: { enum: ['lead', 'new', 'repeat', 'dormant', 'reactivated', 'churned'] } },
          ...keysetPage,
        ],
        responses: { '200': keysetList(ref('CustomerItem')), '400': err('参数有误 (PAGE.BAD_CURSOR 等)'), ...authErrors },
      },
    },
    '/api/mp/customers/{id}': {
      get: {
        ...secured,
        summary: '客户详情（手机号打码）与最近 50 条动态',
        parameters: [idParam],
        responses: { '200': json({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, phoneMasked: nullableString, tags: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, group: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string', enum: ['attribute', 'behaviour'] }, removable: { type: 'boolean', description: '操作员能否移除（行为标签由系统维护，不能移除）' } } } }, timeline: { type: 'array', maxItems: 50 } } }), ...authErrors, '404': err('不存在或无权查看 (MP.NOT_FOUND)') },
      },
    },
    '/api/mp/customers/{id}/reveal-phone': {
      post: {
        ...secured,
        summary: '查看完整手机号（仅总部与店长；写入审计日志）',
        parameters: [idParam],
        responses: { '200': json({ type: 'object', properties: { phone: { type: 'string' } } }), ...authErrors, '403': err('角色无权 (MP.FORBIDDEN)'), '404': err('不存在、无权查看或未留手机号 (MP.NOT_FOUND / MP.PHONE_NOT_FOUND)') },
      },
    },
    '/api/mp/tasks': {
      get: {
        ...secured,
        summary: '待办任务：mine 本人，store 本店（总部为全部；导购无权）',
        parameters: [{ name: 'scope', in: 'query', schema: { enum: ['mine', 'store'], default: 'mine' } }, ...keysetPage],
        responses: { '200': keysetList(ref('Task')), '400': err('参数有误 (PAGE.BAD_CURSOR 等)'), ...authErrors, '403': err('角色无权 (MP.FORBIDDEN)') },
      },
    },
    '/api/mp/tasks/{id}/complete': {
      post: {
        ...secured,
        summary: '完成任务并填写结果',
        parameters: [idParam],
        requestBody: { required: true, ...json({ type: 'object', required: ['outcome'], properties: { outcome: { type: 'string', maxLength: 255 } } }) },
        responses: { '200': json(ref('Task')), '400': err('参数有误'), ...authErrors, '404': err('不存在或无权查看 (MP.NOT_FOUND)'), '409': err('任务已完成或已取消 (MP.TASK_CLOSED)') },
      },
    },
    ...MP_REPORTS_PATHS,
  },
} as const;

/** Adds the paths (method by method, so a path both files describe keeps both) and schemas of another router. */
function mergeOpenApi<T extends { paths: object; components: { schemas: object } }>(doc: T, part: { paths: object; schemas: object }): T {
  const paths: Record<string, object> = { ...doc.paths };
  for (const [path, ops] of Object.entries(part.paths)) paths[path] = { ...paths[path], ...ops };
  return { ...doc, paths, components: { ...doc.components, schemas: { ...doc.components.schemas, ...part.schemas } } };
}

export const MP_OPENAPI = mergeOpenApi(BASE, { paths: MP_CORE_PATHS, schemas: MP_CORE_SCHEMAS });

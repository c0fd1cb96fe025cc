/** Building blocks shared by the /api/mp OpenAPI documents (base, core and reports parts). */
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const err = (description: string) => ({ description, ...json(ref('Error')) });
export const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
export const page = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
];
/** Keyset paging (customers, tasks): the previous page's nextCursor instead of offset. */
export const keysetPage = [
  ...page,
  { name: 'cursor', in: 'query', description: '上一页返回的 nextCursor（不透明字符串）；与 offset 不能同时使用；被改动或与筛选条件不符时 400 PAGE.BAD_CURSOR', schema: { type: 'string', maxLength: 200 } },
];
/** The envelope of a keyset-paged list. */
export const keysetList = (item: object) =>
  json({
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      total: { type: 'integer', description: '符合条件的条数，精确到 10000；超过时为 10000 且 totalCapped 为 true（显示为「10000+」）' },
      totalCapped: { type: 'boolean' },
      limit: { type: 'integer' },
      offset: { type: 'integer' },
      nextCursor: { type: ['string', 'null'], description: '下一页的游标；最后一页为 null' },
    },
  });
export const secured = { security: [{ bearer: [] }] };
export const authErrors = { '401': err('未登录或登录已失效 (MP.UNAUTHORIZED)') };

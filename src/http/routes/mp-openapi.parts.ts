/** Building blocks shared by the /api/mp OpenAPI documents (base, core and reports parts). */
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const err = (description: string) => ({ description, ...json(ref('Error')) });
export const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
export const page = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
];
export const secured = { security: [{ bearer: [] }] };
export const authErrors = { '401': err('未登录或登录已失效 (MP.UNAUTHORIZED)') };

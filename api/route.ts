/**
 * Declares a route once: its zod schemas (from contracts/), its access rule and its OpenAPI description.
 * Requests are validated with the same zod schemas (one 400 naming the field, api/parse.ts); the schemas are also
 * converted to JSON Schema (zod 4 `z.toJSONSchema`) for the OpenAPI document served at /docs. fastify's own
 * validation and response serialization are switched off for these (see `useZodSchemas`) so zod is the only
 * validator and responses are sent as the handler returns them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RouteAccess } from './access.ts';
import { parse } from './parse.ts';

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteSpec<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  access: RouteAccess;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented responses by status; the error shape is added for you. */
  response?: Record<number, z.ZodType>;
  handler: (req: FastifyRequest, input: { params: Infer<P>; query: Infer<Q>; body: Infer<B> }, reply: FastifyReply) => Promise<unknown>;
}

export const ErrorBodySchema = z.strictObject({
  code: z.string().describe('stable error code, e.g. DEVICE_NOT_FOUND'),
  message: z.string(),
  details: z.unknown(),
});

/** JSON Schema for the OpenAPI document; `$schema` is dropped (OpenAPI 3.1 embeds draft 2020-12). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** fastify validates and serializes with ajv by default; zod does both jobs here. Call before any route. */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  app: FastifyInstance,
  spec: RouteSpec<P, Q, B>,
): void {
  const response: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(spec.response ?? {})) response[status] = jsonSchema(schema, 'output');
  response['4xx'] = { ...jsonSchema(ErrorBodySchema, 'output'), description: 'error: {code, message, details}' };
  const schema: Record<string, unknown> = {
    summary: spec.summary,
    tags: spec.tags,
    response,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.params ? { params: jsonSchema(spec.params, 'input') } : {}),
    ...(spec.query ? { querystring: jsonSchema(spec.query, 'input') } : {}),
    ...(spec.body ? { body: jsonSchema(spec.body, 'input') } : {}),
    ...(spec.access.permission === 'public' ? {} : { security: [{ bearer: [] }, { session: [] }] }),
  };
  app.route({
    method: spec.method,
    url: spec.url,
    schema,
    config: { access: spec.access },
    handler: async (req, reply) => {
      const input = {
        params: (spec.params ? parse(spec.params, req.params, 'params') : undefined) as Infer<P>,
        query: (spec.query ? parse(spec.query, req.query, 'query') : undefined) as Infer<Q>,
        body: (spec.body ? parse(spec.body, req.body, 'body') : undefined) as Infer<B>,
      };
      return spec.handler(req, input, reply);
    },
  });
}

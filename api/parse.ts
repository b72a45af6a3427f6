import type { z } from 'zod';
import { validationError } from './errors.ts';

/** Validates one part of a request with a contract schema; a failure is a 400 naming the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

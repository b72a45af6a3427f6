/** Readings ingest refused, with the raw payload and the reason, newest first. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parse } from '../parse.ts';

export interface DeadLetterReader {
  list(q: { deviceId?: string; code?: string; limit?: number; beforeId?: number }): unknown[];
  count(): number;
}

const Query = z.strictObject({
  deviceId: z.string().optional(),
  code: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  beforeId: z.coerce.number().int().min(1).optional(),
});

export function deadLetterRoutes(app: FastifyInstance, deps: { deadLetters: DeadLetterReader }): void {
  app.get('/api/dead-letters', async (req) => {
    const q = parse(Query, req.query, 'query');
    return { total: deps.deadLetters.count(), deadLetters: deps.deadLetters.list(q) };
  });
}

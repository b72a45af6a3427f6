/**
 * Readings ingest refused, with the raw payload and the reason, newest first (admin); and replay after a fix
 * (e.g. the device was registered late): the stored bytes go through ingest's validation again.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../route.ts';
import { ApiError } from '../errors.ts';

export interface DeadLetterReader {
  list(q: { deviceId?: string; code?: string; limit?: number; beforeId?: number }): unknown[];
  count(): number;
  /** Re-runs one dead letter through ingest; absent when this process has no ingest to run it through. */
  replay?: ((id: number) => Promise<{ outcome: 'stored' | 'duplicate' | 'rejected'; code?: string | undefined; message?: string | undefined }>) | undefined;
}

const Query = z.strictObject({
  deviceId: z.string().optional(),
  code: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  beforeId: z.coerce.number().int().min(1).optional(),
});

export function deadLetterRoutes(app: FastifyInstance, deps: { deadLetters: DeadLetterReader }): void {
  route(app, {
    method: 'GET', url: '/api/dead-letters', tags: ['dead letters'], access: { permission: 'dead-letters:read' },
    summary: 'Refused readings with raw payload (base64) and reason, newest first', query: Query,
    async handler(_req, { query }) {
      return { total: deps.deadLetters.count(), deadLetters: deps.deadLetters.list(query) };
    },
  });

  route(app, {
    method: 'POST', url: '/api/dead-letters/:id/replay', tags: ['dead letters'], access: { permission: 'dead-letters:replay' },
    summary: 'Replay a refused reading through ingest after a registry fix',
    params: z.strictObject({ id: z.coerce.number().int().min(1) }),
    async handler(_req, { params }) {
      if (!deps.deadLetters.replay) throw new ApiError('NOT_IMPLEMENTED', 'replay needs ingest in this process (npm start); it is not available here');
      return deps.deadLetters.replay(params.id);
    },
  });
}

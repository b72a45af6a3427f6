/**
 * Admin authentication for the spine: `Authorization: Bearer <ADMIN_TOKEN>`. Roles and tenancy come with issue 4;
 * until then every /api route is admin-only (deny by default). Compared as SHA-256 digests in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function createAdminGuard(adminToken: string): (req: FastifyRequest) => void {
  const expected = digest(adminToken);
  return (req) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new ApiError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer <token>)');
    if (!timingSafeEqual(digest(match[1]), expected)) throw new ApiError('UNAUTHENTICATED', 'invalid token');
  };
}

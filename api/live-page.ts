/**
 * The live page: plain HTML, CSS and ES modules from api/live/, served as they are (no build step). Files are read
 * once at start from a fixed list, so no request path ever reaches the file system. A strict Content Security
 * Policy allows only this origin's scripts and styles and forbids framing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const DIR = join(import.meta.dirname, 'live');
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function livePageRoutes(app: FastifyInstance): void {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(DIR)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(DIR, name)), type });
  }
  const send = (name: string) => async (_req: unknown, reply: FastifyReply) => {
    const f = files.get(name);
    if (!f) return reply.code(404).send({ code: 'NOT_FOUND', message: `no file ${name}`, details: null });
    return reply
      .type(f.type)
      .header('content-security-policy', CSP)
      .header('x-frame-options', 'DENY')
      .header('cache-control', name === 'index.html' ? 'no-cache' : 'public, max-age=300')
      .send(f.body);
  };
  app.get('/', async (_req, reply) => reply.redirect('/live/'));
  app.get('/live', async (_req, reply) => reply.redirect('/live/'));
  app.get('/live/', send('index.html'));
  for (const name of files.keys()) app.get(`/live/${name}`, send(name));
}

/**
 * Every API input fuzzed (fast-check) against the real stack over HTTP: the routes are read from the app's own
 * OpenAPI document (`/docs/json`), so a new route is fuzzed without touching this file. For each operation:
 * arbitrary and hostile path parameters (traversal, NUL, broken percent-encoding, unicode look-alikes, very
 * long), declared and undeclared query parameters with hostile values, and bodies that are arbitrary JSON,
 * near-valid objects with the declared property names, broken JSON or the wrong content type — as the admin,
 * and without or with garbage credentials.
 *
 * What must hold: no response is 5xx; every error is the documented `{code, message, details}` with a known
 * code whose status matches; a refused request leaves the device registry unchanged; the service is still
 * healthy afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { API_ERROR_CODES } from '../../api/errors.ts';
import { startTestStack, TEST_ADMIN_TOKEN, type TestStack } from '../harness.ts';

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyProps: string[] | null;
}

/** Streams that never end (server-sent events) cannot be fuzzed request/response. */
const SKIP = new Set(['GET /api/live']);
const RUNS_PER_OPERATION = 12;

let stack: TestStack;
let operations: Operation[];

beforeAll(async () => {
  stack = await startTestStack();
  await stack.register({ id: 'fuzz-dev-001', kind: 'bin_sensor', siteId: 'yx-market-dongshan' });
  const doc = (await (await fetch(`${stack.httpUrl}/docs/json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      bodyProps: op.requestBody ? Object.keys(op.requestBody.content?.['application/json']?.schema?.properties ?? {}) : null,
    })),
  ).filter((op) => !SKIP.has(`${op.method} ${op.path}`));
}, 30_000);
afterAll(async () => {
  await stack?.stop();
});

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '..', '../..', '%2e%2e%2f', 'fuzz-dev-001', 'yuexiu', 'yx-market-dongshan', 'rѕ-001', 'ｆuzz-dev-001', '\u0000', 'null',
    'undefined', '-1', '0', '1e400', 'NaN', '9007199254740993', 'true', '[]', '{}', "' OR 1=1 --", '"; DROP MEASUREMENT bin_sensor; --', '/./',
    '2025-13-45T99:99:99Z', 'x'.repeat(5000), '<script>alert(1)</script>', '$where', '__proto__', 'constructor'),
);
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.constantFrom(null, -1, 0, 1e308, [], {}, [[[]]]));

interface FuzzRequest {
  path: string;
  query: [string, string][];
  body: { contentType: string; text: string } | undefined;
  auth: 'admin' | 'none' | 'garbage';
}

/**
 * Path parameters, mostly percent-encoded, sometimes raw or hostile to the router itself: a malformed
 * percent-encoding (`%ZZ`) and parameters over fastify's 100-character limit must get the shared error shape too
 * (`frameworkErrors` in api/build-app.ts).
 */
const pathValue = fc.oneof(
  { weight: 4, arbitrary: hostileString.map((s) => encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '..%2f..', 'a%2Fb', '%E2%80%AE', '%ZZ', '%', `${'x'.repeat(150)}`) },
);

function requestArb(op: Operation): fc.Arbitrary<FuzzRequest> {
  const params = fc.tuple(...op.pathParams.map(() => pathValue));
  const declared = fc.array(fc.tuple(op.queryParams.length ? fc.constantFrom(...op.queryParams) : fc.constant('q'), hostileString), { maxLength: 4 });
  const undeclared = fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), hostileString), { maxLength: 2 });
  const props = op.bodyProps ?? [];
  const nearValid = fc.dictionary(props.length ? fc.constantFrom(...props) : fc.string(), hostileJson, { maxKeys: Math.max(1, props.length) });
  const body: fc.Arbitrary<FuzzRequest['body']> = op.bodyProps === null
    ? fc.constant(undefined)
    : fc.oneof(
        { weight: 3, arbitrary: nearValid.map((o) => ({ contentType: 'application/json', text: JSON.stringify(o) })) },
        { weight: 2, arbitrary: hostileJson.map((v) => ({ contentType: 'application/json', text: JSON.stringify(v) ?? 'null' })) },
        { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '\u0000', '', '[1,]', '{"__proto__":{"admin":true}}').map((text) => ({ contentType: 'application/json', text })) },
        { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml').map((contentType) => ({ contentType, text: 'a=1' })) },
      );
  return fc.record({
    path: params.map((values) => op.pathParams.reduce((p, name, i) => p.replace(`{${name}}`, values[i]!), op.path)),
    query: fc.tuple(declared, undeclared).map(([a, b]) => [...a, ...b]),
    body,
    auth: fc.constantFrom('admin', 'admin', 'admin', 'none', 'garbage'),
  });
}

async function send(method: string, r: FuzzRequest): Promise<{ status: number; contentType: string; text: string }> {
  const qs = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const headers: Record<string, string> = {};
  if (r.auth === 'admin') headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
  if (r.auth === 'garbage') headers.authorization = 'Bearer \u00ff\u00fe not-a-token';
  if (r.body) headers['content-type'] = r.body.contentType;
  const res = await fetch(`${stack.httpUrl}${r.path}${qs ? `?${qs}` : ''}`, { method, headers, body: r.body?.text, redirect: 'manual' });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('every API operation under fuzzing', () => {
  it('reads the operations from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.some((o) => o.method === 'POST' && o.path === '/api/devices')).toBe(true);
  });

  it('no input yields a 5xx or an error outside the documented shape; refused requests change nothing', async () => {
    const seen = new Map<string, Set<number>>();
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(requestArb(op), async (r) => {
          const devicesBefore = stack.registry.countDevices();
          const res = await send(op.method, r);
          const where = `${op.method} ${r.path.slice(0, 120)} → ${res.status} ${res.text.slice(0, 300)}`;
          expect(res.status, where).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.contentType, where).toMatch(/^application\/json/);
            const body = JSON.parse(res.text) as { code?: string; message?: unknown; details?: unknown };
            expect(Object.keys(API_ERROR_CODES), where).toContain(body.code);
            expect(API_ERROR_CODES[body.code as keyof typeof API_ERROR_CODES], where).toBe(res.status);
            expect(typeof body.message, where).toBe('string');
            expect('details' in body, where).toBe(true);
            expect(res.text, where).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack traces
            expect(stack.registry.countDevices(), where).toBe(devicesBefore);
          }
          const key = `${op.method} ${op.path}`;
          seen.set(key, (seen.get(key) ?? new Set()).add(res.status));
        }),
        { numRuns: RUNS_PER_OPERATION },
      );
    }
    expect(seen.size).toBe(operations.length);
    // The fuzz reached the handlers, not only the authentication in front of them.
    const statuses = [...seen.values()].flatMap((set) => [...set]);
    expect(statuses.some((st) => st >= 200 && st < 300)).toBe(true);
    expect(statuses).toContain(400);
    expect(statuses).toContain(404);
    const health = await fetch(`${stack.httpUrl}/health`);
    expect(health.status).toBe(200);
  }, 180_000);

  it('bodies above the limit and wrong content types get the documented errors', async () => {
    const big = await send('POST', { path: '/api/devices', query: [], body: { contentType: 'application/json', text: `{"id":"${'a'.repeat(300 * 1024)}"}` }, auth: 'admin' });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const xml = await send('POST', { path: '/api/devices', query: [], body: { contentType: 'application/xml', text: '<a/>' }, auth: 'admin' });
    expect(xml.status).toBe(415);
    expect(JSON.parse(xml.text)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

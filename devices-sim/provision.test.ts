import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRegistration } from '../contracts/registry.ts';
import { planFleet } from './fleet.ts';
import { ProvisionError, provisionFleet } from './provision.ts';
import { demoReference } from './test-fixtures.ts';

/** A stand-in for the API's two device endpoints: enough to check the client's side of the exchange. */
function fakeApi(existing: Set<string>, opts: { failId?: string } = {}) {
  const calls: { method: string; url: string; auth: string | undefined; contentType: string | undefined; body: string }[] = [];
  const read = async (req: IncomingMessage): Promise<string> => {
    let body = '';
    for await (const chunk of req) body += chunk;
    return body;
  };
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    calls.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, contentType: req.headers['content-type'], body });
    const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    if (req.headers.authorization !== 'Bearer T') return send(401, { code: 'UNAUTHENTICATED', message: 'no', details: null });
    const rotate = req.url?.match(/^\/api\/devices\/([^/]+)\/credentials$/);
    if (req.method === 'POST' && rotate) return send(200, { device: {}, username: rotate[1], password: `rotated-${rotate[1]}` });
    if (req.method === 'POST' && req.url === '/api/devices') {
      const reg = JSON.parse(body) as DeviceRegistration;
      if (reg.id === opts.failId) return send(404, { code: 'SITE_NOT_FOUND', message: `site ${reg.siteId} is not registered`, details: null });
      if (existing.has(reg.id)) return send(409, { code: 'DEVICE_EXISTS', message: 'exists', details: null });
      existing.add(reg.id);
      return send(201, { device: {}, username: reg.id, password: `new-${reg.id}` });
    }
    return send(404, { code: 'NOT_FOUND', message: 'no route', details: null });
  });
  return {
    calls,
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive
      }),
  };
}

const registrations = planFleet(demoReference(), { devices: 20, seed: 1 });

describe('provisionFleet', () => {
  let api: ReturnType<typeof fakeApi> | undefined;
  afterEach(async () => {
    await api?.close();
  });

  it('registers new devices and rotates the password of existing ones, keeping the order', async () => {
    const existing = new Set([registrations[3]!.id, registrations[7]!.id]);
    api = fakeApi(existing);
    const url = await api.start();
    const out = await provisionFleet({ apiUrl: `${url}/`, adminToken: 'T', registrations, concurrency: 4 });
    expect(out.map((d) => d.registration)).toEqual(registrations);
    expect(out[0]!.password).toBe(`new-${registrations[0]!.id}`);
    expect(out[3]!.password).toBe(`rotated-${registrations[3]!.id}`);
    expect(out[7]!.password).toBe(`rotated-${registrations[7]!.id}`);
    const posted = api.calls.filter((c) => c.url === '/api/devices');
    expect(posted).toHaveLength(20);
    expect(posted.every((c) => c.auth === 'Bearer T' && c.contentType === 'application/json')).toBe(true);
    expect(JSON.parse(posted.find((c) => c.body.includes(registrations[0]!.id))!.body)).toEqual(registrations[0]);
    const rotations = api.calls.filter((c) => c.url.endsWith('/credentials'));
    expect(rotations).toHaveLength(2);
    expect(rotations.every((c) => c.body === '' && c.contentType === undefined)).toBe(true);
  });

  it('throws with the API code on any other answer', async () => {
    api = fakeApi(new Set(), { failId: registrations[2]!.id });
    const url = await api.start();
    const err = await provisionFleet({ apiUrl: url, adminToken: 'T', registrations }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect(err).toMatchObject({ status: 404, code: 'SITE_NOT_FOUND', deviceId: registrations[2]!.id });
    const denied = await provisionFleet({ apiUrl: url, adminToken: 'wrong', registrations }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

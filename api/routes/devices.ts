/** Device registry over HTTP: register (password returned once), list, show, disable/enable, rotate credential. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DeviceRegistrationSchema, type Device } from '../../contracts/registry.ts';
import { DeviceIdSchema } from '../../contracts/topics.ts';
import { DeviceKindSchema } from '../../contracts/telemetry.ts';
import { RegistryError, type Registry } from '../../registry/registry.ts';
import { ApiError } from '../errors.ts';
import { parse } from '../parse.ts';

const IdParams = z.strictObject({ id: DeviceIdSchema });
const ListQuery = z.strictObject({
  kind: DeviceKindSchema.optional(),
  siteId: z.string().optional(),
  districtId: z.string().optional(),
  contractorId: z.string().optional(),
  status: z.enum(['active', 'disabled']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  afterId: z.string().optional(),
});

export interface DeviceRouteDeps {
  registry: Registry;
  /** Called after a device's credentials or status change, e.g. so the broker drops its live connection. */
  onDeviceChanged?: (device: Device, change: 'rotated' | 'disabled' | 'enabled') => void;
}

function mapRegistryError(err: unknown): never {
  if (err instanceof RegistryError && (err.code === 'DEVICE_EXISTS' || err.code === 'DEVICE_NOT_FOUND' || err.code === 'SITE_NOT_FOUND')) {
    throw new ApiError(err.code, err.message);
  }
  throw err;
}

export function deviceRoutes(app: FastifyInstance, deps: DeviceRouteDeps): void {
  const { registry } = deps;

  app.post('/api/devices', async (req, reply) => {
    const body = parse(DeviceRegistrationSchema, req.body, 'body');
    try {
      const cred = registry.registerDevice(body);
      req.log.debug({ device: cred.device.id, kind: cred.device.kind }, 'device registered');
      return reply.code(201).send(cred);
    } catch (err) {
      return mapRegistryError(err);
    }
  });

  app.get('/api/devices', async (req) => ({ devices: registry.listDevices(parse(ListQuery, req.query, 'query')) }));

  app.get('/api/devices/:id', async (req) => {
    const { id } = parse(IdParams, req.params, 'params');
    const device = registry.getDevice(id);
    if (!device) throw new ApiError('DEVICE_NOT_FOUND', `device ${id} is not registered`);
    return device;
  });

  app.post('/api/devices/:id/credentials', async (req) => {
    const { id } = parse(IdParams, req.params, 'params');
    try {
      const cred = registry.rotateCredential(id);
      deps.onDeviceChanged?.(cred.device, 'rotated');
      req.log.debug({ device: id }, 'device credential rotated');
      return cred;
    } catch (err) {
      return mapRegistryError(err);
    }
  });

  for (const [action, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    app.post(`/api/devices/:id/${action}`, async (req) => {
      const { id } = parse(IdParams, req.params, 'params');
      try {
        const device = registry.setStatus(id, status);
        deps.onDeviceChanged?.(device, status === 'active' ? 'enabled' : 'disabled');
        return device;
      } catch (err) {
        return mapRegistryError(err);
      }
    });
  }
}

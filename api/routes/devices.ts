/**
 * Device registry over HTTP: register (password returned once), list, show, disable/enable, rotate credential.
 * Tenancy: lists show only devices in the caller's scope; an id outside it is 404 (api/access.ts). A health
 * office registers devices only at sites in its districts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DeviceCredentialSchema, DeviceRegistrationSchema, DeviceSchema, type Device } from '../../contracts/registry.ts';
import { DeviceIdParamsSchema, DeviceListQuerySchema } from '../../contracts/api/queries.ts';
import { RegistryError, type DeviceFilter, type Registry } from '../../registry/registry.ts';
import { assertInScope, scopeFilter } from '../access.ts';
import type { AuditTrail } from '../audit-trail.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

export interface DeviceRouteDeps {
  registry: Registry;
  audit: AuditTrail;
  /** Called after a device's credentials or status change, e.g. so the broker drops its live connection. */
  onDeviceChanged?: ((device: Device, change: 'rotated' | 'disabled' | 'enabled') => void) | undefined;
}

function mapRegistryError(err: unknown): never {
  if (err instanceof RegistryError && (err.code === 'DEVICE_EXISTS' || err.code === 'DEVICE_NOT_FOUND' || err.code === 'SITE_NOT_FOUND')) {
    throw new ApiError(err.code, err.message);
  }
  throw err;
}

/** Devices by id in one page, from several scoped queries (one per district or contractor in scope). */
function mergePages(pages: Device[][], limit: number): Device[] {
  return pages.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
}

const where = (d: Device) => ({ districtId: d.districtId, siteId: d.siteId });

export function deviceRoutes(app: FastifyInstance, deps: DeviceRouteDeps): void {
  const { registry, audit } = deps;
  const one = { permission: 'devices:read', resource: { type: 'device', param: 'id' } } as const;
  const manage = { permission: 'devices:manage', resource: { type: 'device', param: 'id' } } as const;

  route(app, {
    method: 'POST', url: '/api/devices', tags: ['devices'], access: { permission: 'devices:manage' },
    summary: 'Register a device; its MQTT password is returned once',
    body: DeviceRegistrationSchema, response: { 201: DeviceCredentialSchema },
    async handler(req, { body }, reply) {
      assertInScope(req, 'site', body.siteId);
      try {
        const cred = registry.registerDevice(body);
        audit.record(req, { action: 'device.register', targetType: 'device', targetId: cred.device.id, ...where(cred.device), after: cred.device });
        return reply.code(201).send(cred);
      } catch (err) {
        return mapRegistryError(err);
      }
    },
  });

  route(app, {
    method: 'GET', url: '/api/devices', tags: ['devices'], access: { permission: 'devices:read' },
    summary: 'List devices in my scope, by id', query: DeviceListQuerySchema,
    response: { 200: z.strictObject({ devices: z.array(DeviceSchema) }) },
    async handler(req, { query }) {
      if (query.siteId) assertInScope(req, 'site', query.siteId);
      if (query.districtId) assertInScope(req, 'district', query.districtId);
      if (query.contractorId) assertInScope(req, 'contractor', query.contractorId);
      const base: DeviceFilter = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
      const scope = scopeFilter(req);
      if ('all' in scope) return { devices: registry.listDevices(base) };
      if ('contractorId' in scope) return { devices: registry.listDevices({ ...base, contractorId: scope.contractorId }) };
      const districts = query.districtId ? [query.districtId] : scope.districtIds;
      return { devices: mergePages(districts.map((districtId) => registry.listDevices({ ...base, districtId })), query.limit) };
    },
  });

  route(app, {
    method: 'GET', url: '/api/devices/:id', tags: ['devices'], access: one, summary: 'One device',
    params: DeviceIdParamsSchema, response: { 200: DeviceSchema },
    handler: async (_req, { params }) => registry.getDevice(params.id),
  });

  route(app, {
    method: 'POST', url: '/api/devices/:id/credentials', tags: ['devices'], access: manage,
    summary: 'Rotate the MQTT password: the new one is returned once; the old one stops at the next CONNECT',
    params: DeviceIdParamsSchema, response: { 200: DeviceCredentialSchema },
    async handler(req, { params }) {
      try {
        const cred = registry.rotateCredential(params.id);
        deps.onDeviceChanged?.(cred.device, 'rotated');
        audit.record(req, { action: 'device.rotate_credential', targetType: 'device', targetId: params.id, ...where(cred.device) });
        return cred;
      } catch (err) {
        return mapRegistryError(err);
      }
    },
  });

  for (const [action, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    route(app, {
      method: 'POST', url: `/api/devices/:id/${action}`, tags: ['devices'], access: manage,
      summary: action === 'disable' ? 'Disable a device (its connection is dropped, CONNECT refused)' : 'Enable a device',
      params: DeviceIdParamsSchema, response: { 200: DeviceSchema },
      async handler(req, { params }) {
        try {
          const before = registry.getDevice(params.id);
          const device = registry.setStatus(params.id, status);
          deps.onDeviceChanged?.(device, status === 'active' ? 'enabled' : 'disabled');
          audit.record(req, { action: `device.${action}`, targetType: 'device', targetId: params.id, ...where(device), before, after: device });
          return device;
        } catch (err) {
          return mapRegistryError(err);
        }
      },
    });
  }
}

/**
 * Registers a planned fleet through the HTTP API, the same way an operator would, and collects each device's
 * password. Re-running is safe: a device that already exists gets its password rotated (the old one is unknown
 * here: the registry only keeps its hash).
 */
import { z } from 'zod';
import type { DeviceRegistration } from '../contracts/registry.ts';
import { forEachLimited } from './pool.ts';
import type { FleetDevice } from './run-fleet.ts';

export interface ProvisionOptions {
  apiUrl: string;
  adminToken: string;
  registrations: readonly DeviceRegistration[];
  /** Requests in flight at once; default 8. */
  concurrency?: number | undefined;
}

/** A refusal from the API, with the API's stable error code when it sent one. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
  readonly status: number;
  readonly code: string;
  readonly deviceId: string;
  constructor(deviceId: string, status: number, code: string, message: string) {
    super(`${deviceId}: HTTP ${status} ${code}: ${message}`);
    this.deviceId = deviceId;
    this.status = status;
    this.code = code;
  }
}

/** Only what is needed here; the full shape is DeviceCredentialSchema in contracts/registry.ts. */
const CredentialBody = z.object({ username: z.string(), password: z.string().min(1) });
const ErrorBody = z.object({ code: z.string().optional(), message: z.string().optional() });

export async function provisionFleet(opts: ProvisionOptions): Promise<FleetDevice[]> {
  const base = opts.apiUrl.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${opts.adminToken}` };

  const call = async (reg: DeviceRegistration, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      // No content-type without a body: a JSON content-type with an empty body is itself a 400.
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ProvisionError(reg.id, res.status, 'INVALID_RESPONSE', text.slice(0, 200));
    }
    return { status: res.status, json };
  };

  const fail = (reg: DeviceRegistration, status: number, json: unknown): never => {
    const err = ErrorBody.safeParse(json);
    throw new ProvisionError(reg.id, status, err.data?.code ?? 'UNKNOWN', err.data?.message ?? 'unexpected response');
  };

  const credential = (reg: DeviceRegistration, status: number, json: unknown): FleetDevice => {
    const parsed = CredentialBody.safeParse(json);
    if (!parsed.success) return fail(reg, status, json);
    return { registration: reg, password: parsed.data.password };
  };

  const provisionOne = async (reg: DeviceRegistration): Promise<FleetDevice> => {
    const created = await call(reg, '/api/devices', reg);
    if (created.status === 201) return credential(reg, created.status, created.json);
    if (created.status !== 409 || ErrorBody.safeParse(created.json).data?.code !== 'DEVICE_EXISTS') {
      return fail(reg, created.status, created.json);
    }
    const rotated = await call(reg, `/api/devices/${encodeURIComponent(reg.id)}/credentials`);
    if (rotated.status === 200) return credential(reg, rotated.status, rotated.json);
    return fail(reg, rotated.status, rotated.json);
  };

  const out: FleetDevice[] = new Array(opts.registrations.length);
  await forEachLimited(opts.registrations, opts.concurrency ?? 8, async (reg, i) => {
    out[i] = await provisionOne(reg);
  });
  return out;
}

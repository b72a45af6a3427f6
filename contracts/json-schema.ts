/** JSON Schema of device contract v1, generated from the same zod source the ingest validates with. */
import { z } from 'zod';
import { TELEMETRY_SCHEMAS, CONTRACT_VERSION, type DeviceKind } from './telemetry.ts';
import { DeviceErrorMessageSchema } from './device-errors.ts';
import { DeviceStatusSchema } from './topics.ts';

export function contractJsonSchemas() {
  const kinds = Object.fromEntries(
    Object.entries(TELEMETRY_SCHEMAS).map(([kind, schema]) => [kind, z.toJSONSchema(schema, { io: 'input' })]),
  ) as Record<DeviceKind, unknown>;
  return {
    version: CONTRACT_VERSION,
    topics: {
      'devices/{id}/telemetry': 'device → system, QoS 1, one of the telemetry schemas below',
      'devices/{id}/status': 'device → system, retained, also the last will',
      'devices/{id}/errors': 'system → device, one message per rejected reading',
    },
    telemetry: kinds,
    status: z.toJSONSchema(DeviceStatusSchema),
    error: z.toJSONSchema(DeviceErrorMessageSchema),
  };
}

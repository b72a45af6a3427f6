/**
 * What a device is told when ingest refuses a reading: one message on `devices/{id}/errors` per rejection.
 * Codes are stable: devices and integrators may switch on them. Add codes; never rename one.
 */
import { z } from 'zod';

export const REJECTION_CODES = {
  INVALID_JSON: 'payload is not valid UTF-8 JSON',
  SCHEMA_INVALID: 'payload does not match the telemetry contract for its kind',
  KIND_MISMATCH: 'payload kind differs from the kind registered for this device',
  UNKNOWN_DEVICE: 'device is not registered',
  DEVICE_DISABLED: 'device is disabled in the registry',
  TOO_LARGE: 'payload exceeds the maximum size',
  STALE_OR_FUTURE_TS: 'timestamp is too far in the past or in the future',
} as const;
export type RejectionCode = keyof typeof REJECTION_CODES;
export const RejectionCodeSchema = z.enum(Object.keys(REJECTION_CODES) as [RejectionCode, ...RejectionCode[]]);

export const IssueSchema = z.object({
  path: z.string().describe('dotted path of the offending field, empty for the whole payload'),
  message: z.string(),
});
export type Issue = z.infer<typeof IssueSchema>;

export const DeviceErrorMessageSchema = z.strictObject({
  seq: z.number().int().nullable().describe('seq of the rejected reading when it could be read, else null'),
  code: RejectionCodeSchema,
  message: z.string(),
  issues: z.array(IssueSchema),
});
export type DeviceErrorMessage = z.infer<typeof DeviceErrorMessageSchema>;

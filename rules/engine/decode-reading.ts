/**
 * Raw telemetry → a typed reading and its registry device, for the rules engine (pure). Ingest is the validation
 * edge and tells devices what is wrong; here an invalid message is only skipped and counted by reason, with the
 * contract's own schema (`TelemetrySchema.safeParse`), so the engine never evaluates a reading ingest would refuse
 * for its shape, kind or device.
 */
import type { Device, DeviceDirectory } from '../../contracts/registry.ts';
import { TelemetrySchema, timestampMs, type Telemetry } from '../../contracts/telemetry.ts';
import { parseDeviceTopic } from '../../contracts/topics.ts';

export type SkipReason = 'topic' | 'json' | 'schema' | 'unknown_device' | 'disabled' | 'kind_mismatch';
export const SKIP_REASONS: readonly SkipReason[] = ['topic', 'json', 'schema', 'unknown_device', 'disabled', 'kind_mismatch'];

export type Decoded = { ok: true; device: Device; reading: Telemetry; tsMs: number } | { ok: false; reason: SkipReason };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeReading(topic: string, payload: Uint8Array, directory: DeviceDirectory): Decoded {
  const parsed = parseDeviceTopic(topic);
  if (parsed === null || parsed.channel !== 'telemetry') return { ok: false, reason: 'topic' };
  const device = directory.getDevice(parsed.deviceId);
  if (device === undefined) return { ok: false, reason: 'unknown_device' };
  if (device.status !== 'active') return { ok: false, reason: 'disabled' };
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(payload));
  } catch {
    return { ok: false, reason: 'json' };
  }
  const result = TelemetrySchema.safeParse(json);
  if (!result.success) return { ok: false, reason: 'schema' };
  if (result.data.kind !== device.kind) return { ok: false, reason: 'kind_mismatch' };
  return { ok: true, device, reading: result.data, tsMs: timestampMs(result.data.ts) };
}

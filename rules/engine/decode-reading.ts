/**
 * Raw telemetry → a typed reading and its registry device, for the rules engine. Ingest is the validation
 * edge and tells devices what is wrong; here an invalid message is only skipped and counted by reason, with the
 * contract's own schema (`TelemetrySchema.safeParse`, behind its compiled fast path), so the engine never evaluates
 * a reading ingest would refuse for its shape, kind or device.
 *
 * In one process (the in-process feed) ingest has already decoded and validated the very payload: its reading is
 * taken over (contracts/telemetry-handoff.ts) instead of parsing the bytes again. The registry checks (device known,
 * active, of the reading's kind) still run here, on the registry of this moment.
 */
import type { Device, DeviceDirectory } from '../../contracts/registry.ts';
import { timestampMs, type Telemetry } from '../../contracts/telemetry.ts';
import { parseTelemetry } from '../../contracts/telemetry-fast-check.ts';
import { takeValidated } from '../../contracts/telemetry-handoff.ts';
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
  let reading = takeValidated(payload);
  if (reading === undefined) {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(payload));
    } catch {
      return { ok: false, reason: 'json' };
    }
    const result = parseTelemetry(json);
    if (!result.success) return { ok: false, reason: 'schema' };
    reading = result.data;
  }
  if (reading.kind !== device.kind) return { ok: false, reason: 'kind_mismatch' };
  return { ok: true, device, reading, tsMs: timestampMs(reading.ts) };
}

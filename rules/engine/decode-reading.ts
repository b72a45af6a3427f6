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
import { TelemetrySchema, timestampMs, type Telemetry } from '../../contracts/telemetry.ts';
import { fastParseTelemetry } from '../../contracts/telemetry-fast-check.ts';
import { takeValidated } from '../../contracts/telemetry-handoff.ts';
import { parseDeviceTopic, type ParsedDeviceTopic } from '../../contracts/topics.ts';

export type SkipReason = 'topic' | 'json' | 'schema' | 'unknown_device' | 'disabled' | 'kind_mismatch';
export const SKIP_REASONS: readonly SkipReason[] = ['topic', 'json', 'schema', 'unknown_device', 'disabled', 'kind_mismatch'];

export type Decoded = { ok: true; device: Device; reading: Telemetry; tsMs: number } | { ok: false; reason: SkipReason };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Topics repeat (one per device): parse each once. Bounded; the objects are shared, read-only. Parsing per reading
 * (split + pattern) was ~1.3 % of the broker process at 10,000 readings/s (issue 7).
 */
const parsedTopics = new Map<string, ParsedDeviceTopic | null>();
function parseTopic(topic: string): ParsedDeviceTopic | null {
  let parsed = parsedTopics.get(topic);
  if (parsed === undefined) {
    parsed = parseDeviceTopic(topic);
    if (parsedTopics.size >= 100_000) parsedTopics.clear();
    parsedTopics.set(topic, parsed);
  }
  return parsed;
}

export function decodeReading(topic: string, payload: Uint8Array, directory: DeviceDirectory): Decoded {
  const parsed = parseTopic(topic);
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
    reading = fastParseTelemetry(json);
    if (reading === undefined) {
      const result = TelemetrySchema.safeParse(json);
      if (!result.success) return { ok: false, reason: 'schema' };
      reading = result.data;
    }
  }
  if (reading.kind !== device.kind) return { ok: false, reason: 'kind_mismatch' };
  return { ok: true, device, reading, tsMs: timestampMs(reading.ts) };
}

/**
 * The only place raw telemetry payloads are validated (STYLE principle 4): bytes in, a typed reading or a
 * classified refusal out. Pure: the registry lookup is injected and the clock value is passed in. Never throws
 * on any message.
 *
 * Checks run in a fixed order, cheapest and least-informative first, so a device always gets the same code for
 * the same fault: topic → TOO_LARGE → UNKNOWN_DEVICE / DEVICE_DISABLED → INVALID_JSON → SCHEMA_INVALID →
 * KIND_MISMATCH → STALE_OR_FUTURE_TS.
 */
import type { DeviceErrorMessage, Issue, RejectionCode } from '../contracts/device-errors.ts';
import type { Device, DeviceDirectory } from '../contracts/registry.ts';
import { timestampMs, type Telemetry } from '../contracts/telemetry.ts';
import { parseTelemetry } from '../contracts/telemetry-fast-check.ts';
import { parseDeviceTopic } from '../contracts/topics.ts';
import type { IncomingMessage } from './incoming-message.ts';

export interface IngestLimits {
  /** Payloads longer than this many bytes are refused with TOO_LARGE. */
  maxPayloadBytes: number;
  /** A `ts` later than now + this is refused (device clock running ahead). */
  maxFutureSkewMs: number;
  /** A `ts` earlier than now − this is refused (devices buffer ~30 days offline). */
  maxAgeMs: number;
}

/** Why a message was dropped without telling anyone: there is no device to tell. */
export type IgnoreReason =
  /** topic outside `devices/{id}/telemetry` (the subscription filter should make this impossible) */
  'WRONG_TOPIC';

export type Decoded =
  | { ok: true; reading: Telemetry; device: Device; tsMs: number }
  | { ok: false; deviceId: string; rejection: DeviceErrorMessage }
  | { ok: false; ignored: IgnoreReason; topic: string; message: string };

export interface DecodeContext {
  directory: DeviceDirectory;
  nowMs: number;
  limits: IngestLimits;
}

/** Bounds on what is echoed back to a device: enough to fix the fault, never a flood. */
const MAX_ISSUES = 20;
const MAX_TEXT = 200;
const TS_HINT = 'ts must be ISO-8601 with an offset (Z or +08:00) or integer epoch milliseconds';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/** `seq` of an unparseable-but-JSON payload, so the device can match the error to its reading. */
function readSeq(json: unknown): number | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const seq = (json as Record<string, unknown>).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : null;
}

function toIssues(zodIssues: readonly { path: readonly PropertyKey[]; message: string; code: string }[]): Issue[] {
  return zodIssues.slice(0, MAX_ISSUES).map((i) => {
    const path = i.path.map(String).join('.');
    // zod reports a failed `ts` union as "Invalid input"; say what is accepted instead.
    const unionFailure = i.code === 'invalid_union' || i.code === 'invalid_format';
    const message = path === 'ts' && unionFailure ? `${i.message}: ${TS_HINT}` : i.message;
    return { path, message: clip(message) };
  });
}

function summarize(issues: Issue[], total: number): string {
  const first = issues[0];
  if (!first) return 'payload does not match the telemetry contract';
  const head = `${first.path === '' ? 'payload' : first.path}: ${first.message}`;
  return clip(total > 1 ? `${head} (and ${total - 1} more)` : head);
}

function refusal(deviceId: string, code: RejectionCode, message: string, seq: number | null = null, issues: Issue[] = []): Decoded {
  return { ok: false, deviceId, rejection: { seq, code, message, issues } };
}

export function decodeTelemetry(msg: IncomingMessage, ctx: DecodeContext): Decoded {
  const topic = parseDeviceTopic(msg.topic);
  if (topic === null || topic.channel !== 'telemetry') {
    return { ok: false, ignored: 'WRONG_TOPIC', topic: msg.topic, message: 'topic is not devices/{id}/telemetry' };
  }
  const { deviceId } = topic;
  const { limits } = ctx;

  const size = msg.payload.byteLength;
  if (size > limits.maxPayloadBytes) {
    return refusal(deviceId, 'TOO_LARGE', `payload is ${size} bytes; the limit is ${limits.maxPayloadBytes} bytes`);
  }

  const device = ctx.directory.getDevice(deviceId);
  if (device === undefined) return refusal(deviceId, 'UNKNOWN_DEVICE', `device ${deviceId} is not registered`);
  if (device.status === 'disabled') return refusal(deviceId, 'DEVICE_DISABLED', `device ${deviceId} is disabled in the registry`);

  let text: string;
  try {
    text = utf8.decode(msg.payload);
  } catch {
    return refusal(deviceId, 'INVALID_JSON', 'payload is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return refusal(deviceId, 'INVALID_JSON', clip(`payload is not valid JSON: ${(err as Error).message}`));
  }

  // The compiled fast path accepts valid readings without zod's machinery; anything else (and anything it is unsure
  // of) gets the full parse, which decides and words the refusal (contracts/telemetry-fast-check.ts).
  let parsed: ReturnType<typeof parseTelemetry>;
  try {
    parsed = parseTelemetry(json);
  } catch {
    // Defence only: zod's safeParse does not throw, but a pathological input must not take the pipeline down.
    return refusal(deviceId, 'SCHEMA_INVALID', 'payload could not be checked against the telemetry contract', readSeq(json));
  }
  if (!parsed.success) {
    const issues = toIssues(parsed.error.issues);
    return refusal(deviceId, 'SCHEMA_INVALID', summarize(issues, parsed.error.issues.length), readSeq(json), issues);
  }
  const reading = parsed.data;

  if (reading.kind !== device.kind) {
    const message = `kind is ${reading.kind} but device ${deviceId} is registered as ${device.kind}`;
    return refusal(deviceId, 'KIND_MISMATCH', message, reading.seq, [{ path: 'kind', message }]);
  }

  const tsMs = timestampMs(reading.ts);
  if (!Number.isFinite(tsMs)) {
    const issues = [{ path: 'ts', message: `not a valid date: ${TS_HINT}` }];
    return refusal(deviceId, 'SCHEMA_INVALID', `ts: ${issues[0]!.message}`, reading.seq, issues);
  }
  // Both bounds are inclusive: exactly now + maxFutureSkewMs and exactly now − maxAgeMs are accepted.
  if (tsMs > ctx.nowMs + limits.maxFutureSkewMs) {
    const message = `ts is ${tsMs - ctx.nowMs} ms ahead of the ingest clock; at most ${limits.maxFutureSkewMs} ms allowed`;
    return refusal(deviceId, 'STALE_OR_FUTURE_TS', message, reading.seq, [{ path: 'ts', message }]);
  }
  if (tsMs < ctx.nowMs - limits.maxAgeMs) {
    const message = `ts is ${ctx.nowMs - tsMs} ms old; at most ${limits.maxAgeMs} ms allowed`;
    return refusal(deviceId, 'STALE_OR_FUTURE_TS', message, reading.seq, [{ path: 'ts', message }]);
  }
  return { ok: true, reading, device, tsMs };
}

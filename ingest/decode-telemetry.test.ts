import { describe, expect, it } from 'vitest';
import { DeviceErrorMessageSchema, type RejectionCode } from '../contracts/device-errors.ts';
import { DEVICE_KINDS } from '../contracts/telemetry.ts';
import { decodeTelemetry, type Decoded } from './decode-telemetry.ts';
import type { IncomingMessage } from './incoming-message.ts';
import { DEVICES, LIMITS, NOW_MS, READINGS, directoryOf, makeDevice, message, telemetryTopic } from './test-fixtures.ts';

const directory = directoryOf(...Object.values(DEVICES), makeDevice('rs-off', 'rodent_station', { status: 'disabled' }));
const decode = (msg: IncomingMessage, nowMs = NOW_MS) => decodeTelemetry(msg, { directory, nowMs, limits: LIMITS });
const rodent = (over: Record<string, unknown> = {}) => ({ ...READINGS.rodent_station, ...over });
const rsTopic = telemetryTopic('rs-001');

function rejection(d: Decoded) {
  if (d.ok || !('rejection' in d)) throw new Error(`expected a rejection, got ${JSON.stringify(d)}`);
  // Every rejection must be publishable as is: it matches the contract of devices/{id}/errors.
  expect(DeviceErrorMessageSchema.safeParse(d.rejection).success).toBe(true);
  return { deviceId: d.deviceId, ...d.rejection };
}
const codeOf = (d: Decoded): RejectionCode => rejection(d).code;

describe('decodeTelemetry: valid readings', () => {
  it.each(DEVICE_KINDS)('accepts a full %s reading and returns the registry device', (kind) => {
    const d = decode(message(telemetryTopic(DEVICES[kind].id), READINGS[kind]));
    expect(d).toEqual({ ok: true, reading: READINGS[kind], device: DEVICES[kind], tsMs: Date.parse('2025-06-01T07:59:00+08:00') });
  });

  it('reads ISO-8601 with an offset, with Z, and epoch milliseconds as the same instant', () => {
    const instant = Date.parse('2025-06-01T07:30:00.250+08:00');
    for (const ts of ['2025-06-01T07:30:00.250+08:00', '2025-05-31T23:30:00.250Z', instant]) {
      const d = decode(message(rsTopic, rodent({ ts })));
      expect(d.ok && d.tsMs).toBe(instant);
    }
  });

  it('accepts a minimal reading without the optional envelope fields', () => {
    const { battery: _b, rssi: _r, ...minimal } = READINGS.rodent_station;
    expect(decode(message(rsTopic, minimal)).ok).toBe(true);
  });
});

describe('decodeTelemetry: rejections, in check order', () => {
  it.each(['devices/rs-001/status', 'devices/rs-001/errors', 'sensors/rs-001/telemetry', 'devices/ab/telemetry', 'devices/rs-001/telemetry/x'])(
    'ignores topic %s without a device-facing error',
    (topic) => {
      const d = decode(message(topic, READINGS.rodent_station));
      expect(d).toMatchObject({ ok: false, ignored: 'WRONG_TOPIC', topic });
      expect('rejection' in d).toBe(false);
    },
  );

  it('TOO_LARGE above maxPayloadBytes, checked before the registry; exactly the limit passes', () => {
    const big = Buffer.alloc(LIMITS.maxPayloadBytes + 1, 0x20);
    const r = rejection(decode(message(telemetryTopic('nobody-here'), big)));
    expect(r).toMatchObject({ code: 'TOO_LARGE', seq: null, deviceId: 'nobody-here', issues: [] });
    expect(r.message).toBe(`payload is ${LIMITS.maxPayloadBytes + 1} bytes; the limit is ${LIMITS.maxPayloadBytes} bytes`);
    // Whitespace padding keeps the JSON valid, so exactly-at-limit proceeds and is accepted.
    const json = JSON.stringify(READINGS.rodent_station);
    const atLimit = Buffer.from(json.padEnd(LIMITS.maxPayloadBytes, ' '));
    expect(decode(message(rsTopic, atLimit)).ok).toBe(true);
  });

  it('UNKNOWN_DEVICE and DEVICE_DISABLED come from the registry, before the body is parsed', () => {
    const unknown = rejection(decode(message(telemetryTopic('ghost-9'), 'not json')));
    expect(unknown).toMatchObject({ code: 'UNKNOWN_DEVICE', seq: null, message: 'device ghost-9 is not registered' });
    const disabled = rejection(decode(message(telemetryTopic('rs-off'), 'not json')));
    expect(disabled).toMatchObject({ code: 'DEVICE_DISABLED', message: 'device rs-off is disabled in the registry' });
  });

  it('INVALID_JSON for bad JSON and for bytes that are not UTF-8, with seq null', () => {
    const bad = rejection(decode(message(rsTopic, '{"v":1,"seq":5,')));
    expect(bad).toMatchObject({ code: 'INVALID_JSON', seq: null, issues: [] });
    expect(bad.message).toMatch(/^payload is not valid JSON: /);
    const latin1 = rejection(decode(message(rsTopic, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))));
    expect(latin1).toMatchObject({ code: 'INVALID_JSON', seq: null, message: 'payload is not valid UTF-8' });
    expect(codeOf(decode(message(rsTopic, '')))).toBe('INVALID_JSON');
  });

  it('SCHEMA_INVALID lists every issue with a dotted path and keeps a readable seq', () => {
    const r = rejection(
      decode(message(telemetryTopic('mt-001'), { ...READINGS.mosquito_trap, seq: 77, females: -1, bySpecies: { culex: 1.5 } })),
    );
    expect(r.code).toBe('SCHEMA_INVALID');
    expect(r.seq).toBe(77);
    expect(r.issues.map((i) => i.path)).toEqual(['females', 'bySpecies.culex']);
    expect(r.message).toBe('females: Too small: expected number to be >=0 (and 1 more)');
  });

  it('SCHEMA_INVALID names unknown fields and unknown kinds', () => {
    const extra = rejection(decode(message(rsTopic, rodent({ temperature: 20 }))));
    expect(extra.issues).toEqual([{ path: '', message: 'Unrecognized key: "temperature"' }]);
    expect(extra.message).toBe('payload: Unrecognized key: "temperature"');
    const kind = rejection(decode(message(rsTopic, rodent({ kind: 'rat_trap' }))));
    expect(kind.issues[0]?.path).toBe('kind');
  });

  it('SCHEMA_INVALID reports seq null when seq is not a safe integer', () => {
    for (const seq of ['41', 1.5, 2 ** 60, null]) {
      expect(rejection(decode(message(rsTopic, rodent({ seq, visits: 'x' })))).seq).toBeNull();
    }
  });

  it('SCHEMA_INVALID for a non-object JSON value', () => {
    for (const body of ['null', '42', '"hello"', '[1,2]', 'true']) {
      const r = rejection(decode(message(rsTopic, body)));
      expect(r).toMatchObject({ code: 'SCHEMA_INVALID', seq: null });
      expect(r.issues[0]?.path).toBe('');
    }
  });

  it('refuses an ISO timestamp without an offset, saying what is accepted', () => {
    const r = rejection(decode(message(rsTopic, rodent({ ts: '2025-06-01T07:59:00' }))));
    expect(r.code).toBe('SCHEMA_INVALID');
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.path).toBe('ts');
    expect(r.issues[0]?.message).toContain('ISO-8601 with an offset (Z or +08:00) or integer epoch milliseconds');
  });

  it('KIND_MISMATCH when a valid payload of another kind arrives from a registered device', () => {
    const r = rejection(decode(message(rsTopic, { ...READINGS.bin_sensor, seq: 9 })));
    expect(r).toMatchObject({
      code: 'KIND_MISMATCH',
      seq: 9,
      message: 'kind is bin_sensor but device rs-001 is registered as rodent_station',
      issues: [{ path: 'kind', message: 'kind is bin_sensor but device rs-001 is registered as rodent_station' }],
    });
  });

  it('STALE_OR_FUTURE_TS outside [now − maxAge, now + maxFutureSkew], both bounds inclusive', () => {
    const at = (ts: number) => decode(message(rsTopic, rodent({ ts })));
    expect(at(NOW_MS + LIMITS.maxFutureSkewMs).ok).toBe(true);
    expect(at(NOW_MS - LIMITS.maxAgeMs).ok).toBe(true);
    const future = rejection(at(NOW_MS + LIMITS.maxFutureSkewMs + 1));
    expect(future).toMatchObject({ code: 'STALE_OR_FUTURE_TS', seq: 41 });
    expect(future.message).toBe(`ts is ${LIMITS.maxFutureSkewMs + 1} ms ahead of the ingest clock; at most ${LIMITS.maxFutureSkewMs} ms allowed`);
    const stale = rejection(at(NOW_MS - LIMITS.maxAgeMs - 1));
    expect(stale.code).toBe('STALE_OR_FUTURE_TS');
    expect(stale.issues[0]?.path).toBe('ts');
  });

  it('uses the clock value it is given, not the message receipt time', () => {
    const msg = message(rsTopic, rodent({ ts: NOW_MS }), 0);
    expect(decode(msg, NOW_MS).ok).toBe(true);
    expect(codeOf(decode(msg, NOW_MS + LIMITS.maxAgeMs + 1))).toBe('STALE_OR_FUTURE_TS');
  });

  it('never throws, whatever the bytes', () => {
    const nasty = [
      '['.repeat(4000),
      '{"__proto__":{"v":1}}',
      '{"seq":1e400}',
      '\u0000',
      JSON.stringify({ ...READINGS.rodent_station, ts: 8.64e15 + 1 }),
      JSON.stringify({ ...READINGS.rodent_station, ts: '9999-12-31T23:59:59+14:00' }),
    ];
    for (const body of nasty) {
      const d = decode(message(rsTopic, body));
      expect(d.ok).toBe(false);
    }
  });
});

/**
 * Property-based tests of the validation edge (fast-check): no input makes `decodeTelemetry` throw; every
 * outcome is either a reading that satisfies the contract, equals what the device sent (nothing dropped, nothing
 * added) and maps to exactly one well-formed line of line protocol with every field, or a refusal with a known
 * code in the published message shape. Valid readings generated from the schema's shape are always accepted.
 * A sample of generated lines is written to a real influxd, which must accept every one of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeviceErrorMessageSchema, REJECTION_CODES } from '../contracts/device-errors.ts';
import type { Device } from '../contracts/registry.ts';
import { DEVICE_KINDS, TelemetrySchema, timestampMs, type Telemetry } from '../contracts/telemetry.ts';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { decodeTelemetry, type Decoded } from './decode-telemetry.ts';
import { FIELD_TYPES, type FieldType } from './field-types.ts';
import { toLineProtocol } from './to-point.ts';
import { deviceArb, hostileValue, kindArb, nearValid, timestampIn, validReading } from './test-arbitraries.ts';
import { DEVICES, LIMITS, NOW_MS, directoryOf, makeDevice } from './test-fixtures.ts';

const directory = directoryOf(...Object.values(DEVICES), makeDevice('off-001', 'bin_sensor', { status: 'disabled' }));
const TOPICS = [...Object.values(DEVICES).map((d) => `devices/${d.id}/telemetry`), 'devices/off-001/telemetry', 'devices/nobody-01/telemetry'];
const topicArb = fc.oneof(fc.constantFrom(...TOPICS), fc.string(), fc.constantFrom('devices/rs-001/status', 'devices/rѕ-001/telemetry', 'devices/+/telemetry'));
const inWindow = timestampIn(NOW_MS - LIMITS.maxAgeMs, NOW_MS + LIMITS.maxFutureSkewMs);
const anyTs = fc.oneof(inWindow, fc.integer({ min: 0, max: 8.64e15 }), timestampIn(0, 8.64e15 - 86_400_000), hostileValue);

const decode = (topic: string, payload: Buffer | string): Decoded =>
  decodeTelemetry({ topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), receivedAtMs: NOW_MS }, { directory, nowMs: NOW_MS, limits: LIMITS });

/** The fields `toLineProtocol` must write for `reading`, as `key=` prefixes, with their types. */
function expectedFields(reading: Telemetry): Map<string, Exclude<FieldType, 'integerMap'>> {
  const out = new Map<string, Exclude<FieldType, 'integerMap'>>();
  const values = reading as unknown as Record<string, unknown>;
  for (const [key, type] of Object.entries(FIELD_TYPES[reading.kind] as Record<string, FieldType>)) {
    const value = values[key];
    if (value === undefined) continue;
    if (type === 'integerMap') for (const sub of Object.keys(value as object)) out.set(`${key}_${sub}`, 'integer');
    else out.set(key, type);
  }
  return out;
}

/** Checks the line InfluxDB would get for an accepted reading: one line, right tags, every field, typed. */
function checkLine(reading: Telemetry, device: Device, tsMs: number): string {
  const line = toLineProtocol(reading, device, tsMs);
  expect(line).not.toMatch(/[\r\n]/);
  const m = /^([a-z_]+),contractor=([^ ,]+),device=([^ ,]+),district=([^ ,]+),site=([^ ,]+) (\S+) (\d+)$/.exec(line);
  expect(m, line).not.toBeNull();
  const [, measurement, contractor, deviceTag, district, site, fieldSet, time] = m!;
  expect([measurement, contractor, deviceTag, district, site]).toEqual([reading.kind, device.contractorId, device.id, device.districtId, device.siteId]);
  expect(BigInt(time!)).toBe(BigInt(Math.floor(tsMs)) * 1_000_000n + BigInt(reading.seq % 1_000_000));
  const written = new Map(fieldSet!.split(',').map((kv) => kv.split('=') as [string, string]));
  const expected = expectedFields(reading);
  expect([...written.keys()].sort()).toEqual([...expected.keys()].sort());
  const values = reading as unknown as Record<string, unknown>;
  for (const [key, type] of expected) {
    const text = written.get(key)!;
    const [base, sub] = key.includes('_') && !(key in values) ? [key.slice(0, key.indexOf('_')), key.slice(key.indexOf('_') + 1)] : [key, undefined];
    const value = sub === undefined ? values[base!] : (values[base!] as Record<string, number>)[sub];
    if (type === 'integer') expect(text).toBe(`${value as number}i`);
    else if (type === 'float') expect(Number(text) === value, `${key}=${text} for ${String(value)}`).toBe(true); // -0 is written as 0
    else if (type === 'boolean') expect(text).toBe(String(value));
    else expect(text).toBe(`"${String(value)}"`);
  }
  return line;
}

/** The invariant every outcome must satisfy. */
function checkOutcome(d: Decoded, payload: Buffer | string): void {
  if (d.ok) {
    expect(TelemetrySchema.safeParse(d.reading).success).toBe(true);
    // Nothing dropped or added: the reading is exactly the JSON the device sent.
    expect(d.reading).toEqual(JSON.parse(Buffer.from(payload).toString('utf8')));
    expect(d.reading.kind).toBe(d.device.kind);
    expect(d.device.status).toBe('active');
    expect(d.tsMs).toBe(timestampMs(d.reading.ts));
    expect(d.tsMs).toBeGreaterThanOrEqual(NOW_MS - LIMITS.maxAgeMs);
    expect(d.tsMs).toBeLessThanOrEqual(NOW_MS + LIMITS.maxFutureSkewMs);
    checkLine(d.reading, d.device, d.tsMs);
  } else if ('rejection' in d) {
    expect(Object.keys(REJECTION_CODES)).toContain(d.rejection.code);
    expect(DeviceErrorMessageSchema.safeParse(d.rejection).success).toBe(true);
    expect(d.rejection.issues.length).toBeLessThanOrEqual(20);
    expect(d.rejection.message.length).toBeLessThanOrEqual(200);
  } else {
    expect(d.ignored).toBe('WRONG_TOPIC');
  }
}

describe('decodeTelemetry under fuzzing', () => {
  it('arbitrary bytes on any topic: never throws, outcome well-formed', () => {
    fc.assert(
      fc.property(topicArb, fc.uint8Array({ maxLength: 10_000 }), (topic, bytes) => {
        const payload = Buffer.from(bytes);
        checkOutcome(decode(topic, payload), payload);
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary JSON values: never throws, outcome well-formed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOPICS), fc.jsonValue(), (topic, value) => {
        const payload = JSON.stringify(value) ?? 'null';
        checkOutcome(decode(topic, payload), payload);
      }),
      { numRuns: 1000 },
    );
  });

  it('near-valid readings (a key dropped, added or replaced): accepted only when still valid, else a known code', () => {
    fc.assert(
      fc.property(kindArb.chain((k) => fc.tuple(fc.constant(k), nearValid(validReading(k, anyTs)))), ([kind, obj]) => {
        const payload = JSON.stringify(obj);
        checkOutcome(decode(`devices/${DEVICES[kind].id}/telemetry`, payload), payload);
      }),
      { numRuns: 2000 },
    );
  });

  it('timestamps anywhere: accepted exactly inside [now − maxAge, now + maxFutureSkew]', () => {
    fc.assert(
      fc.property(kindArb.chain((k) => validReading(k, anyTs)), (reading) => {
        const payload = JSON.stringify(reading);
        const d = decode(`devices/${DEVICES[reading.kind].id}/telemetry`, payload);
        checkOutcome(d, payload);
        // A hostile `ts` (e.g. `{"toString":{}}`) cannot even be converted: Date.parse would throw here.
        const ts = typeof reading.ts === 'number' || typeof reading.ts === 'string' ? timestampMs(reading.ts) : NaN;
        const inside = Number.isFinite(ts) && ts >= NOW_MS - LIMITS.maxAgeMs && ts <= NOW_MS + LIMITS.maxFutureSkewMs;
        if (!d.ok) expect(inside && TelemetrySchema.safeParse(reading).success).toBe(false);
        else expect(inside).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('every valid reading from a registered device of its kind is accepted, whole', () => {
    fc.assert(
      fc.property(kindArb.chain((k) => validReading(k, inWindow)), (reading) => {
        const payload = JSON.stringify(reading);
        const d = decode(`devices/${DEVICES[reading.kind].id}/telemetry`, payload);
        if (!d.ok) throw new Error(`refused: ${JSON.stringify(d)}`);
        checkOutcome(d, payload);
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid reading of another kind is KIND_MISMATCH; from a disabled or unknown device, its code', () => {
    fc.assert(
      fc.property(kindArb, kindArb.chain((k) => validReading(k, inWindow)), (deviceKind, reading) => {
        const d = decode(`devices/${DEVICES[deviceKind].id}/telemetry`, JSON.stringify(reading));
        if (deviceKind === reading.kind) expect(d.ok).toBe(true);
        else expect(!d.ok && 'rejection' in d && d.rejection.code).toBe('KIND_MISMATCH');
        const off = decode('devices/off-001/telemetry', JSON.stringify(reading));
        expect(!off.ok && 'rejection' in off && off.rejection.code).toBe('DEVICE_DISABLED');
        const nobody = decode('devices/nobody-01/telemetry', JSON.stringify(reading));
        expect(!nobody.ok && 'rejection' in nobody && nobody.rejection.code).toBe('UNKNOWN_DEVICE');
      }),
      { numRuns: 500 },
    );
  });
});

describe('toLineProtocol under fuzzing', () => {
  it('any valid reading and any valid registry ids: exactly one well-formed line with every field', () => {
    fc.assert(
      fc.property(kindArb.chain((k) => fc.tuple(validReading(k, inWindow), deviceArb(k))), ([reading, device]) => {
        checkLine(reading, device, timestampMs(reading.ts));
      }),
      { numRuns: 2000 },
    );
  });

  describe('against a real influxd', () => {
    let influxd: LocalInfluxd | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'vw-lp-fuzz-'));
    afterAll(async () => {
      await influxd?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts every line of a sample of 500 generated readings, and stores each as one point', async () => {
      influxd = await startInfluxd({ dataDir: dir });
      const http = createInfluxHttp({ url: influxd.url, db: 'lp_fuzz' });
      await http.exec('CREATE DATABASE lp_fuzz');
      const sample = fc.sample(kindArb.chain((k) => fc.tuple(validReading(k, inWindow), deviceArb(k))), { numRuns: 500, seed: 6 });
      // Distinct device tags, so no two generated points share an identity (series + time).
      const lines = sample.map(([reading, device], i) => toLineProtocol(reading, { ...device, id: `fz-${i}-${device.id}`.slice(0, 64) }, timestampMs(reading.ts)));
      await http.write(lines.join('\n'));
      let stored = 0;
      for (const kind of DEVICE_KINDS) {
        const [series] = await http.query(`SELECT count(seq) FROM ${kind}`);
        stored += Number(series?.values[0]?.[1] ?? 0);
      }
      expect(stored).toBe(lines.length);
    }, 30_000);
  });
});

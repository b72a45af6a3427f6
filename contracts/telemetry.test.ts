/** Device contract v1: for every kind, the example is valid, and each field is checked valid and invalid. */
import { describe, expect, it } from 'vitest';
import { TELEMETRY_EXAMPLES } from './examples.ts';
import { DEVICE_KINDS, TELEMETRY_SCHEMAS, TelemetrySchema, timestampMs, type DeviceKind } from './telemetry.ts';

type Case = [field: string, value: unknown];
const ENVELOPE_VALID: Case[] = [
  ['seq', 0], ['seq', Number.MAX_SAFE_INTEGER], ['ts', '2026-12-01T01:00:00+08:00'], ['ts', '2026-11-30T17:00:00Z'],
  ['ts', '2026-11-30T17:00:00.123Z'], ['ts', 1795300000000], ['battery', 0], ['battery', 100], ['rssi', -120], ['rssi', 0],
];
const ENVELOPE_INVALID: Case[] = [
  ['v', 2], ['v', '1'], ['seq', -1], ['seq', 1.5], ['seq', '7'], ['ts', '2026-12-01T01:00:00'], ['ts', '2026-13-01T00:00:00Z'],
  ['ts', 'yesterday'], ['ts', -5], ['ts', 1.5], ['battery', 101], ['battery', -1], ['rssi', 5], ['rssi', 'weak'],
];
const PER_KIND: Record<DeviceKind, { valid: Case[]; invalid: Case[]; required: string[] }> = {
  rodent_station: {
    valid: [['visits', 0], ['caught', 12], ['baitPct', 0], ['baitPct', 100], ['lidOpen', true], ['periodS', 1]],
    invalid: [['visits', -1], ['visits', 2.5], ['caught', '1'], ['baitPct', 101], ['lidOpen', 'no'], ['periodS', 0], ['periodS', 700_000]],
    required: ['periodS', 'visits', 'caught', 'baitPct', 'lidOpen'],
  },
  mosquito_trap: {
    valid: [['females', 0], ['males', 3], ['bySpecies', { culex: 1 }], ['bySpecies', {}], ['tempC', -5.5], ['humidityPct', 100]],
    invalid: [['females', -1], ['females', 0.5], ['males', -2], ['bySpecies', { culex: -1 }], ['bySpecies', { tiger: 1 }], ['humidityPct', 120], ['tempC', 99]],
    required: ['periodS', 'females'],
  },
  sticky_trap: {
    valid: [['target', 'fly'], ['target', 'cockroach'], ['count', 0], ['bySpecies', { musca: 4, other: 1 }]],
    invalid: [['target', 'rat'], ['count', -3], ['bySpecies', { Musca: 1 }], ['bySpecies', { musca: 1.5 }]],
    required: ['periodS', 'target', 'count'],
  },
  water_probe: {
    valid: [['ph', 0], ['ph', 14], ['turbidityNtu', 0], ['freeChlorineMgL', 2.5], ['totalChlorineMgL', 0.8], ['conductivityUsCm', 0]],
    invalid: [['ph', 14.1], ['ph', -0.1], ['turbidityNtu', -1], ['freeChlorineMgL', '0.5'], ['totalChlorineMgL', -0.1], ['conductivityUsCm', -3]],
    required: ['ph', 'turbidityNtu', 'freeChlorineMgL'],
  },
  bin_sensor: {
    valid: [['fillPct', 0], ['fillPct', 100], ['distanceMm', 0], ['tilted', true], ['lidOpen', false], ['tempC', 65]],
    invalid: [['fillPct', 100.1], ['fillPct', -1], ['distanceMm', 12.5], ['tilted', 1], ['tempC', 200]],
    required: ['fillPct'],
  },
};

describe.each(DEVICE_KINDS)('%s', (kind) => {
  const example = TELEMETRY_EXAMPLES[kind];
  const withField = (field: string, value: unknown) => ({ ...example, [field]: value });
  const parse = (x: unknown) => TelemetrySchema.safeParse(x);

  it('the published example is valid, and so is its kind schema alone', () => {
    expect(parse(example).success).toBe(true);
    expect(TELEMETRY_SCHEMAS[kind].safeParse(example).success).toBe(true);
  });
  it.each([...ENVELOPE_VALID, ...PER_KIND[kind].valid])('accepts %s = %j', (field, value) => {
    expect(parse(withField(field, value)).success).toBe(true);
  });
  it.each([...ENVELOPE_INVALID, ...PER_KIND[kind].invalid])('rejects %s = %j, naming the field', (field, value) => {
    const r = parse(withField(field, value));
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.path[0] === field)).toBe(true);
  });
  it.each(['v', 'kind', 'seq', 'ts', ...PER_KIND[kind].required])('requires %s', (field) => {
    const copy: Record<string, unknown> = { ...example };
    delete copy[field];
    expect(parse(copy).success).toBe(false);
  });
  it('rejects unknown fields (strict), so typos surface', () => {
    const r = parse(withField('batery', 50));
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('batery');
  });
});

describe('envelope', () => {
  it('rejects an unknown kind', () => {
    expect(TelemetrySchema.safeParse({ ...TELEMETRY_EXAMPLES.bin_sensor, kind: 'weather_station' }).success).toBe(false);
  });
  it('reads both timestamp forms as epoch milliseconds, honouring the offset', () => {
    expect(timestampMs('2026-12-01T01:00:00+08:00')).toBe(Date.UTC(2026, 10, 30, 17, 0, 0));
    expect(timestampMs(1795300000000)).toBe(1795300000000);
  });
});

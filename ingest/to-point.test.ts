import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Device } from '../contracts/registry.ts';
import type { Telemetry, TelemetryOf } from '../contracts/telemetry.ts';
import { FIELD_TYPES, type FieldType } from './field-types.ts';
import { escapeKey, escapeMeasurement, formatFloat, formatInteger, quoteString } from './line-protocol.ts';
import { pointTimeNs, toLineProtocol } from './to-point.ts';
import { deviceArb, kindArb, validReading } from './test-arbitraries.ts';
import { DEVICES, READINGS, makeDevice } from './test-fixtures.ts';

// READINGS are stamped 2025-06-01T07:59:00+08:00 = 2025-05-31T23:59:00Z = 1 748 735 940 000 ms.
const TS_MS = 1_748_735_940_000;
const TAGS = 'contractor=acme-pest,device={id},district=yuexiu,site=yx-market-01';
const tags = (id: string) => TAGS.replace('{id}', id);

describe('toLineProtocol', () => {
  it('maps every kind to one exact line: measurement = kind, registry tags, typed fields, ns time with seq', () => {
    expect(Date.parse(READINGS.rodent_station.ts as string)).toBe(TS_MS);
    const expected = {
      rodent_station: `rodent_station,${tags('rs-001')} seq=41i,battery=87.5,rssi=-71,periodS=3600i,visits=3i,caught=1i,baitPct=62,lidOpen=false 1748735940000000041`,
      mosquito_trap: `mosquito_trap,${tags('mt-001')} seq=1000007i,battery=90,rssi=-60,periodS=3600i,females=12i,males=4i,bySpecies_aedes=3i,bySpecies_culex=9i,tempC=28.4,humidityPct=81 1748735940000000007`,
      sticky_trap: `sticky_trap,${tags('st-001')} seq=5i,periodS=604800i,target="cockroach",count=17i,bySpecies_blattella=15i,bySpecies_periplaneta=2i 1748735940000000005`,
      water_probe: `water_probe,${tags('wp-001')} seq=2i,ph=7,turbidityNtu=0.35,freeChlorineMgL=0.3,totalChlorineMgL=0.5,tempC=24,conductivityUsCm=412 1748735940000000002`,
      bin_sensor: `bin_sensor,${tags('bs-001')} seq=0i,battery=40,fillPct=73.2,distanceMm=312i,tempC=31,tilted=false,lidOpen=true 1748735940000000000`,
    };
    for (const kind of Object.keys(expected) as (keyof typeof expected)[]) {
      expect(toLineProtocol(READINGS[kind], DEVICES[kind], TS_MS)).toBe(expected[kind]);
    }
  });

  it('leaves absent optional fields out', () => {
    const minimal: TelemetryOf<'bin_sensor'> = { v: 1, kind: 'bin_sensor', seq: 3, ts: TS_MS, fillPct: 10 };
    expect(toLineProtocol(minimal, DEVICES.bin_sensor, TS_MS)).toBe(`bin_sensor,${tags('bs-001')} seq=3i,fillPct=10 1748735940000000003`);
  });

  it('escapes spaces, commas and equals signs in tag values', () => {
    const device = makeDevice('rs-001', 'rodent_station', { siteId: 'Market Gate, no=2', districtId: 'a,b', contractorId: 'x y' });
    const line = toLineProtocol(READINGS.rodent_station, device, TS_MS);
    expect(line.startsWith('rodent_station,contractor=x\\ y,device=rs-001,district=a\\,b,site=Market\\ Gate\\,\\ no\\=2 seq=41i,')).toBe(true);
  });

  it('types a field by the schema, never by the value: floats stay floats at whole numbers, counts stay integers at 0', () => {
    for (const ph of [0, 7, 7.25, 14]) {
      const line = toLineProtocol({ ...READINGS.water_probe, ph }, DEVICES.water_probe, TS_MS);
      expect(line).toContain(`,ph=${ph},`);
      expect(line).not.toMatch(/ph=\d+i/);
    }
    for (const visits of [0, 5]) {
      expect(toLineProtocol({ ...READINGS.rodent_station, visits }, DEVICES.rodent_station, TS_MS)).toContain(`,visits=${visits}i,`);
    }
    const line = toLineProtocol({ ...READINGS.bin_sensor, distanceMm: 0, tempC: -4 }, DEVICES.bin_sensor, TS_MS);
    expect(line).toContain('distanceMm=0i,tempC=-4,');
  });

  it('quotes and escapes string fields', () => {
    expect(toLineProtocol(READINGS.sticky_trap, DEVICES.sticky_trap, TS_MS)).toContain(',target="cockroach",');
  });
});

describe('pointTimeNs: tsMs × 1e6 + seq mod 1e6', () => {
  it('is exact beyond Number precision (BigInt)', () => {
    expect(pointTimeNs(1_748_735_940_123, 123_456_789)).toBe(1_748_735_940_123_456_789n);
    expect(pointTimeNs(1_748_735_940_123, 999_999)).toBe(1_748_735_940_123_999_999n);
    expect(pointTimeNs(1_748_735_940_123, 1_000_000)).toBe(1_748_735_940_123_000_000n);
  });

  it('separates two readings in one millisecond and maps a redelivery onto itself', () => {
    expect(pointTimeNs(TS_MS, 10)).not.toBe(pointTimeNs(TS_MS, 11));
    expect(pointTimeNs(TS_MS, 10)).toBe(pointTimeNs(TS_MS, 10));
    const a = toLineProtocol(READINGS.rodent_station, DEVICES.rodent_station, TS_MS);
    expect(toLineProtocol({ ...READINGS.rodent_station }, DEVICES.rodent_station, TS_MS)).toBe(a);
  });
});

describe('point time text', () => {
  it('equals pointTimeNs for every seq slot width and the smallest times', () => {
    for (const [tsMs, seq] of [[1_748_736_000_123, 0], [1_748_736_000_123, 7], [1_748_736_000_123, 123_456], [1_748_736_000_123, 9_999_999], [0, 5], [1, 42], [1.9, 3]] as const) {
      const line = toLineProtocol({ v: 1, kind: 'bin_sensor', seq, ts: tsMs, fillPct: 1 }, DEVICES.bin_sensor, tsMs);
      expect(line.split(' ').at(-1)).toBe(String(pointTimeNs(tsMs, seq)));
    }
  });
});

/** The mapping as first written (a loop over FIELD_TYPES, one string per field): the compiled writers must agree. */
function referenceLine(reading: Telemetry, device: Device, tsMs: number): string {
  const values = reading as unknown as Readonly<Record<string, unknown>>;
  const fields: string[] = [];
  for (const [key, type] of Object.entries(FIELD_TYPES[reading.kind] as Readonly<Record<string, FieldType>>)) {
    const value = values[key];
    if (value === undefined) continue;
    if (type === 'integerMap') {
      const counts = value as Readonly<Record<string, number>>;
      for (const sub of Object.keys(counts).sort()) fields.push(`${escapeKey(`${key}_${sub}`)}=${formatInteger(counts[sub]!)}`);
    } else {
      const text =
        type === 'integer' ? formatInteger(value as number) : type === 'float' ? formatFloat(value as number) : type === 'boolean' ? String(Boolean(value)) : quoteString(String(value));
      fields.push(`${escapeKey(key)}=${text}`);
    }
  }
  const tags = `contractor=${escapeKey(device.contractorId)},device=${escapeKey(device.id)},district=${escapeKey(device.districtId)},site=${escapeKey(device.siteId)}`;
  return `${escapeMeasurement(reading.kind)},${tags} ${fields.join(',')} ${pointTimeNs(tsMs, reading.seq)}`;
}

describe('toLineProtocol against the reference mapping', () => {
  it('writes the same line for any valid reading and registry device, one after another', () => {
    const tsArb = fc.integer({ min: 0, max: 8.64e15 });
    const arb = kindArb.chain((k) => fc.tuple(validReading(k, tsArb), deviceArb(k)));
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 4 }), (cases) => {
        for (const [reading, device] of cases) {
          expect(toLineProtocol(reading, device, reading.ts as number)).toBe(referenceLine(reading, device, reading.ts as number));
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('throws on a value the line cannot carry, and the next line is whole', () => {
    const bad = { ...READINGS.mosquito_trap, bySpecies: { aedes: 1.5 }, tempC: 20 } as unknown as Telemetry;
    expect(() => toLineProtocol(bad, DEVICES.mosquito_trap, TS_MS)).toThrow(RangeError);
    expect(() => toLineProtocol({ ...READINGS.water_probe, ph: Number.NaN }, DEVICES.water_probe, TS_MS)).toThrow(RangeError);
    const short: TelemetryOf<'bin_sensor'> = { v: 1, kind: 'bin_sensor', seq: 3, ts: TS_MS, fillPct: 10 };
    expect(toLineProtocol(short, DEVICES.bin_sensor, TS_MS)).toBe(referenceLine(short, DEVICES.bin_sensor, TS_MS));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileValue, kindArb, nearValid, timestampIn, validReading } from '../ingest/test-arbitraries.ts';
import { fastParseTelemetry } from './telemetry-fast-check.ts';
import { TelemetrySchema } from './telemetry.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const reading = kindArb.chain((kind) => validReading(kind, timestampIn(NOW - 86_400_000, NOW)));
/** Through JSON, as ingest sees it. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');

/** Whatever the fast path accepts, zod accepts with equal data; what it does not, zod decides. */
function agreesWithZod(json: unknown): boolean {
  const fast = fastParseTelemetry(json);
  if (fast === undefined) return true;
  const zod = TelemetrySchema.safeParse(json);
  expect(zod.success, JSON.stringify(json)).toBe(true);
  expect(fast).toStrictEqual(zod.data);
  return true;
}

describe('fastParseTelemetry', () => {
  it('accepts every valid reading of every kind, with the data zod returns', () => {
    fc.assert(
      fc.property(reading, (r) => {
        const json = viaJson(r);
        expect(fastParseTelemetry(json)).toStrictEqual(TelemetrySchema.parse(json));
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts what zod refuses (near-valid mutations, hostile values)', () => {
    fc.assert(fc.property(nearValid(reading), (obj) => agreesWithZod(obj)), { numRuns: 5000 });
    fc.assert(fc.property(nearValid(reading).map(viaJson), (obj) => agreesWithZod(obj)), { numRuns: 3000 });
    fc.assert(fc.property(hostileValue, (v) => agreesWithZod(v)), { numRuns: 1000 });
  });

  it('refuses the edges zod refuses: bounds, integers, strictness, types', () => {
    const base = { v: 1, kind: 'bin_sensor', seq: 1, ts: NOW, fillPct: 50 };
    expect(fastParseTelemetry(base)).toBe(base);
    const refused = [
      { ...base, fillPct: 100.0001 },
      { ...base, fillPct: -0.1 },
      { ...base, fillPct: '50' },
      { ...base, fillPct: Infinity },
      { ...base, fillPct: NaN },
      { ...base, seq: 1.5 },
      { ...base, seq: -1 },
      { ...base, seq: 2 ** 53 },
      { ...base, ts: 8.64e15 + 1 },
      { ...base, ts: '2025-06-01T08:00:00' }, // no offset
      { ...base, v: 2 },
      { ...base, kind: 'rodent_station' },
      { ...base, extra: 1 },
      { ...base, tilted: 1 },
      { ...base, distanceMm: 20_001 },
      { v: 1, kind: 'bin_sensor', seq: 1, ts: NOW },
      { ...base, kind: 'toString' },
      [],
      null,
      'text',
    ];
    for (const json of refused) {
      expect(fastParseTelemetry(json), JSON.stringify(json)).toBeUndefined();
      expect(TelemetrySchema.safeParse(json).success, JSON.stringify(json)).toBe(false);
    }
    expect(fastParseTelemetry({ ...base, fillPct: 100, seq: 0, ts: '2025-06-01T08:00:00+08:00' })).toBeDefined();
    const sticky = { v: 1, kind: 'sticky_trap', seq: 1, ts: NOW, periodS: 60, target: 'fly', count: 3, bySpecies: { musca: 2 } };
    expect(fastParseTelemetry(sticky)).toStrictEqual(TelemetrySchema.parse(sticky));
    expect(fastParseTelemetry(sticky)).toBe(sticky); // compiled, not handed to zod (which returns a copy)
    const proto = JSON.parse('{"v":1,"kind":"sticky_trap","seq":1,"ts":1,"periodS":60,"target":"fly","count":3,"bySpecies":{"__proto__":1,"musca":2}}');
    expect(fastParseTelemetry(proto)).toBeUndefined(); // zod's special case, left to zod
    expect(fastParseTelemetry({ ...sticky, bySpecies: { Musca: 2 } })).toBeUndefined();
    expect(fastParseTelemetry({ ...sticky, bySpecies: { musca: -1 } })).toBeUndefined();
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`sp_${String.fromCharCode(97 + i)}`, 1]));
    expect(fastParseTelemetry({ ...sticky, bySpecies: tooMany })).toBeUndefined();
  });
});

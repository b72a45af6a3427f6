import { describe, expect, it } from 'vitest';
import { TelemetrySchema, type Telemetry } from '../contracts/telemetry.ts';
import { FaultInjector, type Outgoing } from './fault-injector.ts';
import { FAULT_KINDS, makeFault } from './faults.ts';
import { planFleet } from './fleet.ts';
import { createProfile } from './profiles/index.ts';
import { createRng } from './random.ts';
import { buildReading } from './reading.ts';
import { demoReference, shanghai } from './test-fixtures.ts';

const ref = demoReference();
const fleet = planFleet(ref, { devices: 200, seed: 1 });
const T0 = shanghai('2025-07-07T20:00:00');

/** One valid reading of every kind, in both ts formats. */
const bases: Telemetry[] = ['rodent_station', 'mosquito_trap', 'sticky_trap', 'water_probe', 'bin_sensor'].flatMap((kind, i) => {
  const reg = fleet.find((d) => d.kind === kind)!;
  const profile = createProfile(reg, 1, ref);
  return (['iso', 'epoch'] as const).map((fmt, j) =>
    TelemetrySchema.parse(buildReading(reg.kind, 100 + i * 2 + j, T0 + j * 5000, profile.next(T0 + j * 5000, 5) as never, fmt)),
  );
});

const text = (p: Buffer | string): string => (typeof p === 'string' ? p : p.toString('utf8'));
const bytes = (p: Buffer | string): number => (typeof p === 'string' ? Buffer.byteLength(p) : p.length);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Parses like a strict ingest would: UTF-8 (fatal) then JSON; undefined when either fails. */
function parseJson(p: Buffer | string): unknown {
  try {
    return JSON.parse(typeof p === 'string' ? p : strictUtf8.decode(p));
  } catch {
    return undefined;
  }
}

describe('makeFault', () => {
  const rng = createRng('faults');

  it('malformed_json: never valid JSON, no readable seq', () => {
    for (const base of bases) {
      for (let i = 0; i < 20; i++) {
        const f = makeFault('malformed_json', base, rng);
        expect(parseJson(f.payload)).toBeUndefined();
        expect(f.seq).toBeNull();
        expect(f.expectCode).toBe('INVALID_JSON');
      }
    }
  });

  it('schema_violation: JSON with the seq readable that the contract refuses', () => {
    for (const base of bases) {
      for (let i = 0; i < 20; i++) {
        const f = makeFault('schema_violation', base, rng);
        const json = parseJson(f.payload) as { seq: number };
        expect(json.seq).toBe(base.seq);
        expect(TelemetrySchema.safeParse(json).success).toBe(false);
        expect(f.expectCode).toBe('SCHEMA_INVALID');
      }
    }
  });

  it('duplicate and out_of_order: the base reading, byte for byte, valid', () => {
    for (const base of bases) {
      for (const kind of ['duplicate', 'out_of_order'] as const) {
        const f = makeFault(kind, base, rng);
        expect(f.payload).toBe(JSON.stringify(base));
        expect(TelemetrySchema.parse(parseJson(f.payload))).toEqual(base);
        expect(f.seq).toBe(base.seq);
        expect(f.expectCode).toBeUndefined();
      }
    }
  });

  it('clock_skew: a valid reading whose ts is hours in the future', () => {
    for (const base of bases) {
      const f = makeFault('clock_skew', base, rng);
      const r = TelemetrySchema.parse(parseJson(f.payload));
      const ahead = (typeof r.ts === 'number' ? r.ts : Date.parse(r.ts)) - (typeof base.ts === 'number' ? base.ts : Date.parse(base.ts));
      expect(ahead).toBeGreaterThanOrEqual(6 * 3_600_000);
      expect(typeof r.ts).toBe(typeof base.ts);
      expect(f.expectCode).toBe('STALE_OR_FUTURE_TS');
    }
  });

  it('wrong_kind: a valid reading of another kind with the same seq', () => {
    for (const base of bases) {
      const f = makeFault('wrong_kind', base, rng);
      const r = TelemetrySchema.parse(parseJson(f.payload));
      expect(r.kind).not.toBe(base.kind);
      expect(r.seq).toBe(base.seq);
      expect(f.expectCode).toBe('KIND_MISMATCH');
    }
  });

  it('oversized: over 8 KiB', () => {
    for (const base of bases) {
      const f = makeFault('oversized', base, rng);
      expect(bytes(f.payload)).toBeGreaterThan(8 * 1024);
      expect((parseJson(f.payload) as { seq: number }).seq).toBe(base.seq);
      expect(f.expectCode).toBe('TOO_LARGE');
    }
  });
});

describe('FaultInjector', () => {
  const reg = fleet.find((d) => d.kind === 'mosquito_trap')!;
  const readings = (n: number): Telemetry[] => {
    const profile = createProfile(reg, 3, ref);
    return Array.from({ length: n }, (_, i) => buildReading(reg.kind, i, T0 + i * 5000, profile.next(T0 + i * 5000, 5) as never));
  };
  const run = (injector: FaultInjector, rs: Telemetry[]): Outgoing[] => [...rs.flatMap((r) => injector.plan(r)), ...injector.drain()];

  it('passes readings through unchanged without faults', () => {
    const rs = readings(20);
    const out = run(new FaultInjector([], createRng(1)), rs);
    expect(out.map((o) => o.payload)).toEqual(rs.map((r) => JSON.stringify(r)));
    expect(out.every((o) => o.fault === null && o.expectCode === null)).toBe(true);
  });

  it('duplicate repeats an earlier seq with identical bytes, after the fresh reading', () => {
    const out = run(new FaultInjector([{ kind: 'duplicate', ratio: 1 }], createRng(2)), readings(30));
    const dups = out.filter((o) => o.fault === 'duplicate');
    expect(dups).toHaveLength(30);
    for (const d of dups) {
      const original = out.find((o) => o.fault === null && o.seq === d.seq)!;
      expect(out.indexOf(original)).toBeLessThan(out.indexOf(d));
      expect(d.payload).toBe(original.payload);
    }
  });

  it('out_of_order delivers a held-back reading after a newer one: seq and ts go backwards, every seq arrives once', () => {
    const rs = readings(40);
    const out = run(new FaultInjector([{ kind: 'out_of_order', ratio: 0.3 }], createRng(3)), rs);
    const late = out.filter((o) => o.fault === 'out_of_order');
    expect(late.length).toBeGreaterThan(3);
    for (const o of late) {
      const i = out.indexOf(o);
      if (i === 0) continue;
      expect(o.seq).toBeLessThan(out[i - 1]!.seq);
      expect(o.tsMs).toBeLessThan(out[i - 1]!.tsMs);
      expect(TelemetrySchema.safeParse(JSON.parse(text(o.payload))).success).toBe(true);
    }
    expect(out.map((o) => o.seq).sort((a, b) => a - b)).toEqual(rs.map((r) => r.seq));
  });

  it('mixes faults at roughly the asked ratios; replacing faults use up the reading’s seq', () => {
    const specs = FAULT_KINDS.filter((k) => k !== 'duplicate' && k !== 'out_of_order').map((kind) => ({ kind, ratio: 0.05 }));
    const rs = readings(2000);
    const out = run(new FaultInjector(specs, createRng(4)), rs);
    expect(out).toHaveLength(rs.length);
    for (const { kind } of specs) {
      const n = out.filter((o) => o.fault === kind).length;
      expect(n).toBeGreaterThan(50);
      expect(n).toBeLessThan(160);
    }
    expect(out.map((o) => o.seq)).toEqual(rs.map((r) => r.seq));
    expect(out.filter((o) => o.fault !== null).every((o) => o.expectCode !== null)).toBe(true);
  });

  it('refuses ratios that add up to more than 1', () => {
    expect(() => new FaultInjector([{ kind: 'duplicate', ratio: 0.7 }, { kind: 'oversized', ratio: 0.4 }], createRng(5))).toThrow(RangeError);
  });
});

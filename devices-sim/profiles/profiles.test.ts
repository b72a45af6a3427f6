import { describe, expect, it } from 'vitest';
import { TelemetrySchema, type DeviceKind, type TelemetryOf } from '../../contracts/telemetry.ts';
import type { DeviceRegistration } from '../../contracts/registry.ts';
import { planFleet } from '../fleet.ts';
import { localHour } from '../local-time.ts';
import { buildReading } from '../reading.ts';
import { demoReference, shanghai } from '../test-fixtures.ts';
import { createProfile } from './index.ts';

const ref = demoReference();
const fleet = planFleet(ref, { devices: 200, seed: 1 });
const HOUR = 3_600_000;

/** Runs a device through [from, from + hours) with reports every `stepMin` minutes; returns validated readings. */
function simulate<K extends DeviceKind>(reg: DeviceRegistration & { kind: K }, from: number, hours: number, stepMin = 60, seed = 1) {
  const profile = createProfile(reg, seed, ref);
  const out: { tsMs: number; r: TelemetryOf<K> }[] = [];
  const stepMs = stepMin * 60_000;
  for (let t = from + stepMs, seq = 0; t <= from + hours * HOUR; t += stepMs, seq++) {
    const reading = buildReading(reg.kind, seq, t, profile.next(t, stepMs / 1000) as never);
    out.push({ tsMs: t, r: TelemetrySchema.parse(reading) as TelemetryOf<K> });
  }
  return out;
}
const ofKind = <K extends DeviceKind>(kind: K) => fleet.filter((d): d is DeviceRegistration & { kind: K } => d.kind === kind);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]): number => sum(xs) / xs.length;

const JULY = shanghai('2025-07-07T00:00:00');
const JANUARY = shanghai('2025-01-06T00:00:00');

describe('every profile', () => {
  it('passes the telemetry contract for the whole demo fleet, hourly and every 5 s', () => {
    for (const reg of fleet) {
      simulate(reg, JULY, 48); // parse() throws on any contract violation
      simulate(reg, JANUARY, 0.05, 5 / 60);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    for (const kind of ['rodent_station', 'mosquito_trap', 'sticky_trap', 'water_probe', 'bin_sensor'] as const) {
      const reg = ofKind(kind)[0];
      if (!reg) throw new Error(`no ${kind} in the fleet`);
      const a = simulate(reg, JULY, 72);
      expect(simulate(reg, JULY, 72)).toEqual(a);
      expect(simulate(reg, JULY, 72, 60, 2)).not.toEqual(a);
    }
  });

  it('reports a battery that never rises and a plausible rssi', () => {
    const reg = ofKind('mosquito_trap')[0]!;
    const rs = simulate(reg, JULY, 24 * 30, 240).map((x) => x.r);
    for (let i = 1; i < rs.length; i++) expect(rs[i]!.battery!).toBeLessThanOrEqual(rs[i - 1]!.battery!);
    expect(rs[0]!.battery! - rs.at(-1)!.battery!).toBeGreaterThan(1);
    for (const r of rs) expect(r.rssi).toBeGreaterThanOrEqual(-120);
  });
});

describe('mosquito_trap', () => {
  const traps = ofKind('mosquito_trap');
  const july = traps.flatMap((reg) => simulate(reg, JULY, 24 * 7));

  it('catches more at dusk than at midday, and more in July than in January', () => {
    const inHour = (h0: number, h1: number) => sum(july.filter((x) => localHour(x.tsMs - HOUR / 2) >= h0 && localHour(x.tsMs - HOUR / 2) < h1).map((x) => x.r.females));
    const dusk = inHour(19, 21);
    const midday = inHour(11, 13);
    expect(dusk).toBeGreaterThan(5 * Math.max(1, midday));
    const january = sum(traps.flatMap((reg) => simulate(reg, JANUARY, 24 * 7)).map((x) => x.r.females));
    expect(sum(july.map((x) => x.r.females))).toBeGreaterThan(4 * Math.max(1, january));
  });

  it('splits females by species: culex dominant, aedes by day, anopheles rare; males fewer', () => {
    const total = (k: 'culex' | 'aedes' | 'anopheles') => sum(july.map((x) => x.r.bySpecies?.[k] ?? 0));
    for (const x of july) {
      const s = x.r.bySpecies!;
      expect((s.culex ?? 0) + (s.aedes ?? 0) + (s.anopheles ?? 0) + (s.other ?? 0)).toBe(x.r.females);
    }
    expect(total('culex')).toBeGreaterThan(total('aedes'));
    expect(total('anopheles')).toBeLessThan(0.05 * total('culex'));
    const day = july.filter((x) => localHour(x.tsMs) > 8 && localHour(x.tsMs) < 17);
    expect(sum(day.map((x) => x.r.bySpecies?.aedes ?? 0))).toBeGreaterThan(sum(day.map((x) => x.r.bySpecies?.culex ?? 0)));
    expect(sum(july.map((x) => x.r.males ?? 0))).toBeLessThan(sum(july.map((x) => x.r.females)));
  });

  it('reports Guangzhou temperature and humidity for the season', () => {
    expect(mean(july.map((x) => x.r.tempC!))).toBeGreaterThan(26);
    expect(mean(july.map((x) => x.r.tempC!))).toBeLessThan(32);
    const jan = simulate(traps[0]!, JANUARY, 24 * 7).map((x) => x.r.tempC!);
    expect(mean(jan)).toBeGreaterThan(9);
    expect(mean(jan)).toBeLessThan(19);
    for (const x of july) expect(x.r.humidityPct).toBeGreaterThan(40);
  });
});

describe('rodent_station', () => {
  const stations = ofKind('rodent_station');
  const runs = stations.map((reg) => ({ reg, rs: simulate(reg, JULY, 24 * 14) }));

  it('never catches more than it sees, and sees most at night', () => {
    let night = 0;
    let day = 0;
    for (const { rs } of runs) {
      for (const { tsMs, r } of rs) {
        expect(r.caught).toBeLessThanOrEqual(r.visits);
        const h = localHour(tsMs - HOUR / 2);
        if (h >= 19 || h < 5) night += r.visits;
        if (h >= 9 && h < 17) day += r.visits;
      }
    }
    expect(night).toBeGreaterThan(5 * Math.max(1, day));
    expect(sum(runs.flatMap(({ rs }) => rs.map((x) => x.r.caught)))).toBeGreaterThan(0);
  });

  it('clusters activity by site: some sites clean, some heavy', () => {
    const perSite = new Map<string, number[]>();
    for (const { reg, rs } of runs) perSite.set(reg.siteId, [...(perSite.get(reg.siteId) ?? []), sum(rs.map((x) => x.r.visits)) / 14]);
    const nightly = [...perSite.values()].map(mean);
    expect(Math.min(...nightly)).toBeLessThan(0.5);
    expect(Math.max(...nightly)).toBeGreaterThan(10 * Math.max(0.05, Math.min(...nightly)));
  });

  it('loses bait with visits and gets it refilled on the weekly service', () => {
    let refills = 0;
    for (const { rs } of runs) {
      for (let i = 1; i < rs.length; i++) {
        const prev = rs[i - 1]!.r;
        const cur = rs[i]!.r;
        if (cur.baitPct > prev.baitPct) {
          expect(cur.baitPct).toBeGreaterThan(90);
          refills++;
        }
      }
    }
    expect(refills).toBeGreaterThanOrEqual(stations.length); // ≥ 1 service per station in two weeks
    const busiest = runs.reduce((a, b) => (sum(a.rs.map((x) => x.r.visits)) > sum(b.rs.map((x) => x.r.visits)) ? a : b));
    expect(Math.min(...busiest.rs.map((x) => x.r.baitPct))).toBeLessThan(80);
  });
});

describe('sticky_trap', () => {
  const boards = ofKind('sticky_trap');
  const fly = boards.filter((b) => b.id.includes('-stf-')).flatMap((reg) => simulate(reg, JULY, 24 * 7));
  const roach = boards.filter((b) => b.id.includes('-stc-')).flatMap((reg) => simulate(reg, JULY, 24 * 7));
  const byHours = (xs: typeof fly, h0: number, h1: number) =>
    sum(xs.filter((x) => localHour(x.tsMs - HOUR / 2) >= h0 && localHour(x.tsMs - HOUR / 2) < h1).map((x) => x.r.count));

  it('catches flies by day and cockroaches by night, with the target from the id', () => {
    expect(fly.every((x) => x.r.target === 'fly')).toBe(true);
    expect(roach.every((x) => x.r.target === 'cockroach')).toBe(true);
    expect(byHours(fly, 10, 16)).toBeGreaterThan(5 * Math.max(1, byHours(fly, 0, 6)));
    expect(byHours(roach, 0, 4)).toBeGreaterThan(5 * Math.max(1, byHours(roach, 10, 14)));
  });

  it('splits the count into the genus keys of each target', () => {
    for (const x of fly) {
      expect(Object.keys(x.r.bySpecies ?? {}).sort()).toEqual(['chrysomya', 'musca', 'other']);
      expect(sum(Object.values(x.r.bySpecies ?? {}))).toBe(x.r.count);
    }
    for (const x of roach) {
      expect(Object.keys(x.r.bySpecies ?? {}).sort()).toEqual(['blattella', 'periplaneta']);
      expect(sum(Object.values(x.r.bySpecies ?? {}))).toBe(x.r.count);
    }
  });

  it('catches more flies in July than in January', () => {
    const jan = boards.filter((b) => b.id.includes('-stf-')).flatMap((reg) => simulate(reg, JANUARY, 24 * 7));
    expect(sum(fly.map((x) => x.r.count))).toBeGreaterThan(2 * sum(jan.map((x) => x.r.count)));
  });
});

describe('water_probe', () => {
  const probes = ofKind('water_probe');
  const runs = probes.map((reg) => ({ reg, rs: simulate(reg, JULY, 24 * 14, 15).map((x) => x.r) }));
  const at = (point: string) => runs.filter((x) => x.reg.samplingPoint === point).flatMap((x) => x.rs);

  it('has more chlorine leaving the works than at the tap, in the usual ranges', () => {
    const finished = at('finished').map((r) => r.freeChlorineMgL);
    const tap = at('tap').map((r) => r.freeChlorineMgL);
    expect(mean(finished)).toBeGreaterThan(mean(tap) + 0.2);
    expect(mean(finished)).toBeGreaterThan(0.5);
    expect(mean(finished)).toBeLessThan(1.0);
    expect(mean(tap)).toBeGreaterThan(0.1);
    expect(mean(tap)).toBeLessThan(0.5);
  });

  it('keeps breaches of the GB 5749 limits rare, and pH, turbidity and temperature plausible', () => {
    const all = runs.flatMap((x) => x.rs);
    const lowFinished = at('finished').filter((r) => r.freeChlorineMgL < 0.3).length;
    const lowTap = at('tap').filter((r) => r.freeChlorineMgL < 0.05).length;
    const high = all.filter((r) => r.freeChlorineMgL > 2).length;
    expect((lowFinished + lowTap + high) / all.length).toBeLessThan(0.02);
    for (const r of all) {
      expect(r.ph).toBeGreaterThanOrEqual(6.8);
      expect(r.ph).toBeLessThanOrEqual(8.0);
      expect(r.totalChlorineMgL).toBeGreaterThanOrEqual(r.freeChlorineMgL);
      expect(r.conductivityUsCm).toBeGreaterThan(80);
    }
    expect(all.filter((r) => r.turbidityNtu < 0.5).length / all.length).toBeGreaterThan(0.95);
    expect(mean(all.map((r) => r.tempC!))).toBeGreaterThan(25);
  });

  it('does breach the limits now and then over a long run (excursions exist)', () => {
    const reg = probes.find((p) => p.samplingPoint === 'tap')!;
    const rs = simulate(reg, JULY, 24 * 180, 30).map((x) => x.r);
    expect(rs.some((r) => r.freeChlorineMgL < 0.05 || r.freeChlorineMgL > 2)).toBe(true);
    expect(rs.some((r) => r.turbidityNtu > 1)).toBe(true);
  });
});

describe('bin_sensor', () => {
  const bins = ofKind('bin_sensor');
  const runs = bins.map((reg) => ({ reg, rs: simulate(reg, JULY, 24 * 7, 10).map((x) => x.r) }));

  it('fills up and gets emptied about once or twice a day', () => {
    for (const { rs } of runs) {
      let emptied = 0;
      for (let i = 1; i < rs.length; i++) if (rs[i]!.fillPct < rs[i - 1]!.fillPct - 25) emptied++;
      expect(emptied).toBeGreaterThanOrEqual(5);
      expect(emptied).toBeLessThanOrEqual(15);
    }
  });

  it('sometimes stays above 85 % for hours, and market bins fill faster than street bins', () => {
    const all = runs.flatMap((x) => x.rs);
    expect(all.some((r) => r.fillPct >= 85)).toBe(true);
    const avgFill = (type: string) => mean(runs.filter((x) => x.reg.siteId.includes(type)).flatMap((x) => x.rs.map((r) => r.fillPct)));
    expect(avgFill('market')).toBeGreaterThan(avgFill('street'));
  });

  it('reports a distance that agrees with the fill of a 1,100 mm bin', () => {
    for (const r of runs.flatMap((x) => x.rs)) {
      expect(Math.abs(r.fillPct - 100 * (1 - r.distanceMm! / 1100))).toBeLessThan(0.06);
    }
    const temps = runs.flatMap((x) => x.rs.map((r) => r.tempC!));
    expect(mean(temps)).toBeGreaterThan(26);
    expect(mean(temps)).toBeLessThan(36);
  });
});

describe('the activity knob (scenarios raise or end an infestation)', () => {
  const reg: DeviceRegistration = { id: 'knob-rs-001', kind: 'rodent_station', siteId: 'yx-park-yuexiu', placement: 'indoor' };
  const visitsOver = (factor: number) => {
    const p = createProfile(reg, 3, 'park', () => factor);
    return Array.from({ length: 48 }, (_, i) => (p.next(Date.UTC(2026, 6, 1) + i * 1800_000, 1800) as { visits: number }).visits);
  };
  it('0 silences a station, a large factor makes every report positive, capped at one detection per second', () => {
    expect(visitsOver(0).every((v) => v === 0)).toBe(true);
    const heavy = visitsOver(1e8);
    expect(heavy.every((v) => v > 0 && v <= 1800)).toBe(true);
    const normal = visitsOver(1);
    expect(normal.reduce((a, b) => a + b, 0)).toBeLessThan(heavy.reduce((a, b) => a + b, 0));
  });
});

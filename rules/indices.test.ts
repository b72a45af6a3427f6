import { describe, expect, it } from 'vitest';
import { computeIndices, type DeviceAggregate } from './indices.ts';
import { loadPacks } from './load-packs.ts';

const packs = loadPacks();
const byId = (values: ReturnType<typeof computeIndices>) => new Map(values.map((v) => [v.indicatorId, v]));

const station = (deviceId: string, placement: 'indoor' | 'outdoor', reports: number, visits: number, caught: number, trapNights: number): DeviceAggregate => ({
  kind: 'rodent_station', deviceId, placement, reports, visits, caught, trapNights,
});

describe('rodent station indices', () => {
  const devices = [
    station('in-1', 'indoor', 30, 2, 0, 30),
    station('in-2', 'indoor', 30, 0, 1, 30),
    station('in-3', 'indoor', 30, 0, 0, 30),
    station('in-silent', 'indoor', 0, 0, 0, 0),
    station('out-1', 'outdoor', 10, 0, 0, 10),
    station('out-2', 'outdoor', 10, 5, 2, 10),
  ];
  const values = byId(computeIndices(packs.densityPack('rodent'), { devices, surveys: [] }));

  it('station positive rate indoor: positive stations ÷ effective stations; a silent station is out of the denominator', () => {
    expect(values.get('station-positive-rate-indoor')).toEqual({
      indicatorId: 'station-positive-rate-indoor',
      numerator: 2,
      denominator: 3,
      value: (2 * 100) / 3,
      sampleSize: { count: 3, unit: 'stations' },
      evidence: { devices: ['in-1', 'in-2', 'in-3'], surveys: [] },
    });
  });

  it('station positive rate outdoor is computed apart', () => {
    expect(values.get('station-positive-rate-outdoor')).toMatchObject({ numerator: 1, denominator: 2, value: 50 });
  });

  it('trap-night density: captures ÷ effective trap-nights × 100, all placements', () => {
    expect(values.get('trap-night-density')).toMatchObject({
      numerator: 3,
      denominator: 110,
      value: 300 / 110,
      sampleSize: { count: 110, unit: 'trap-nights' },
    });
  });

  it('only silent devices → no value at all (no data), not a zero rate', () => {
    const silent = byId(computeIndices(packs.densityPack('rodent'), { devices: [station('s', 'indoor', 0, 0, 0, 0)], surveys: [] }));
    expect(silent.has('station-positive-rate-indoor')).toBe(false);
    expect(silent.has('trap-night-density')).toBe(false);
  });
});

describe('light-trap index', () => {
  it('females ÷ lamp-nights, counting only nights the reports cover', () => {
    const devices: DeviceAggregate[] = [
      { kind: 'mosquito_trap', deviceId: 'lt-1', reports: 40, nights: [
        { night: '2024-07-01', coveredNight: true, females: 12 },
        { night: '2024-07-02', coveredNight: false, females: 50 },
        { night: '2024-07-03', coveredNight: true, females: 6 },
      ] },
      { kind: 'mosquito_trap', deviceId: 'lt-2', reports: 3, nights: [{ night: '2024-07-01', coveredNight: false, females: 9 }] },
      { kind: 'mosquito_trap', deviceId: 'lt-3', reports: 0, nights: [] },
    ];
    const v = byId(computeIndices(packs.densityPack('mosquito'), { devices, surveys: [] })).get('light-trap-index');
    expect(v).toMatchObject({ numerator: 18, denominator: 2, value: 9, sampleSize: { count: 2, unit: 'lamp-nights' } });
    expect(v?.evidence.devices).toEqual(['lt-1']);
  });
});

describe('sticky-trap indices', () => {
  const devices: DeviceAggregate[] = [
    { kind: 'sticky_trap', deviceId: 'c-1', target: 'cockroach', reports: 4, count: 6 },
    { kind: 'sticky_trap', deviceId: 'c-2', target: 'cockroach', reports: 4, count: 0 },
    { kind: 'sticky_trap', deviceId: 'c-3', target: 'cockroach', reports: 4, count: 2 },
    { kind: 'sticky_trap', deviceId: 'c-4', target: 'cockroach', reports: 0, count: 0 },
    { kind: 'sticky_trap', deviceId: 'f-1', target: 'fly', reports: 4, count: 30 },
  ];

  it('cockroaches: positive traps ÷ effective traps, and count per effective trap; fly traps are not counted', () => {
    const v = byId(computeIndices(packs.densityPack('cockroach'), { devices, surveys: [] }));
    expect(v.get('sticky-positive-rate')).toMatchObject({ numerator: 2, denominator: 3 });
    expect(v.get('sticky-count-per-trap')).toMatchObject({ numerator: 8, denominator: 3, value: 8 / 3 });
  });

  it('flies: only fly traps', () => {
    const v = byId(computeIndices(packs.densityPack('fly'), { devices, surveys: [] }));
    expect(v.get('sticky-positive-rate')).toMatchObject({ numerator: 1, denominator: 1, value: 100, evidence: { devices: ['f-1'] } });
  });
});

describe('survey indices', () => {
  it('pool several rounds: Σ numerators ÷ Σ denominators, evidence lists the surveys', () => {
    const v = byId(computeIndices(packs.densityPack('fly'), { devices: [], surveys: [
      { kind: 'fly_rooms', id: 'r1', roomsChecked: 100, roomsWithFlies: 5, flies: 10 },
      { kind: 'fly_rooms', id: 'r2', roomsChecked: 300, roomsWithFlies: 15, flies: 50 },
      { kind: 'proofing', id: 'p-rodent', vector: 'rodent', checked: 10, nonConforming: 9 },
    ] }));
    expect(v.get('room-positive-rate')).toMatchObject({ numerator: 20, denominator: 400, value: 5, evidence: { surveys: ['r1', 'r2'] } });
    expect(v.get('flies-per-positive-room')).toMatchObject({ numerator: 60, denominator: 20, value: 3 });
    expect(v.has('proofing-nonconformity')).toBe(false);
  });

  it('dengue indices: BI per 100 households, MOI per 100 traps', () => {
    const bands = packs.get('dengue-aedes-bands');
    if (bands?.type !== 'band') throw new Error('no band pack');
    const v = byId(computeIndices(bands, { devices: [], surveys: [
      { kind: 'breteau', id: 'b1', households: 120, positiveContainers: 9 },
      { kind: 'ovitrap', id: 'o1', effectiveTraps: 50, positiveTraps: 6 },
    ] }));
    expect(v.get('breteau-index')).toMatchObject({ value: 7.5, sampleSize: { count: 120, unit: 'households' } });
    expect(v.get('ovitrap-index')).toMatchObject({ value: 12 });
  });
});

/** One valid example reading per kind: published in the docs and checked against the schemas by a test. */
import type { DeviceKind, TelemetryOf } from './telemetry.ts';

export const TELEMETRY_EXAMPLES: { [K in DeviceKind]: TelemetryOf<K> } = {
  rodent_station: {
    v: 1, kind: 'rodent_station', seq: 1842, ts: '2026-11-22T03:15:00+08:00', battery: 87, rssi: -71,
    periodS: 900, visits: 3, caught: 1, baitPct: 64, lidOpen: false,
  },
  mosquito_trap: {
    v: 1, kind: 'mosquito_trap', seq: 5310, ts: '2026-07-14T20:00:00+08:00', battery: 92,
    periodS: 3600, females: 41, males: 12, bySpecies: { culex: 38, aedes: 13, anopheles: 0, other: 2 }, tempC: 28.4, humidityPct: 81,
  },
  sticky_trap: {
    v: 1, kind: 'sticky_trap', seq: 77, ts: 1795300000000, battery: 64,
    periodS: 86400, target: 'cockroach', count: 6, bySpecies: { blattella: 5, periplaneta: 1 },
  },
  water_probe: {
    v: 1, kind: 'water_probe', seq: 120034, ts: '2026-11-22T10:00:00+08:00',
    ph: 7.32, turbidityNtu: 0.18, freeChlorineMgL: 0.62, totalChlorineMgL: 0.81, tempC: 21.5, conductivityUsCm: 312,
  },
  bin_sensor: {
    v: 1, kind: 'bin_sensor', seq: 9981, ts: '2026-11-22T18:30:00+08:00', battery: 55, rssi: -96,
    fillPct: 88, distanceMm: 132, tempC: 24.1, tilted: false, lidOpen: false,
  },
};

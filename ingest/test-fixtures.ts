/** Shared fixtures for the ingest tests: registry devices, one valid reading per kind, message builders. */
import type { Device, DeviceDirectory } from '../contracts/registry.ts';
import type { DeviceKind, TelemetryOf } from '../contracts/telemetry.ts';
import type { IngestLimits } from './decode-telemetry.ts';
import type { IncomingMessage } from './incoming-message.ts';

/** 2025-06-01 08:00 in Guangzhou. */
export const NOW_MS = Date.parse('2025-06-01T08:00:00+08:00');

export const LIMITS: IngestLimits = { maxPayloadBytes: 8192, maxFutureSkewMs: 5 * 60_000, maxAgeMs: 35 * 24 * 3600_000 };

export function makeDevice(id: string, kind: DeviceKind, over: Partial<Device> = {}): Device {
  return {
    id,
    kind,
    siteId: 'yx-market-01',
    districtId: 'yuexiu',
    contractorId: 'acme-pest',
    placement: 'indoor',
    samplingPoint: kind === 'water_probe' ? 'tap' : null,
    location: null,
    label: null,
    status: 'active',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

/** A DeviceDirectory over a Map: a fake is fine for a unit of logic (STYLE principle 14). */
export function directoryOf(...devices: Device[]): DeviceDirectory & { set(d: Device): void } {
  const byId = new Map(devices.map((d) => [d.id, d]));
  return { getDevice: (id) => byId.get(id), set: (d) => void byId.set(d.id, d) };
}

/** One device per kind, ids `<kind-prefix>-001`. */
export const DEVICES: { readonly [K in DeviceKind]: Device } = {
  rodent_station: makeDevice('rs-001', 'rodent_station'),
  mosquito_trap: makeDevice('mt-001', 'mosquito_trap'),
  sticky_trap: makeDevice('st-001', 'sticky_trap'),
  water_probe: makeDevice('wp-001', 'water_probe'),
  bin_sensor: makeDevice('bs-001', 'bin_sensor'),
};

const TS = '2025-06-01T07:59:00+08:00';

/** A full valid reading per kind (every optional field present). */
export const READINGS: { readonly [K in DeviceKind]: TelemetryOf<K> } = {
  rodent_station: { v: 1, kind: 'rodent_station', seq: 41, ts: TS, battery: 87.5, rssi: -71, periodS: 3600, visits: 3, caught: 1, baitPct: 62, lidOpen: false },
  mosquito_trap: {
    v: 1, kind: 'mosquito_trap', seq: 1_000_007, ts: TS, battery: 90, rssi: -60, periodS: 3600, females: 12, males: 4,
    bySpecies: { culex: 9, aedes: 3 }, tempC: 28.4, humidityPct: 81,
  },
  sticky_trap: {
    v: 1, kind: 'sticky_trap', seq: 5, ts: TS, periodS: 604800, target: 'cockroach', count: 17,
    bySpecies: { periplaneta: 2, blattella: 15 },
  },
  water_probe: {
    v: 1, kind: 'water_probe', seq: 2, ts: TS, ph: 7, turbidityNtu: 0.35, freeChlorineMgL: 0.3, totalChlorineMgL: 0.5,
    tempC: 24, conductivityUsCm: 412,
  },
  bin_sensor: { v: 1, kind: 'bin_sensor', seq: 0, ts: TS, battery: 40, fillPct: 73.2, distanceMm: 312, tempC: 31, tilted: false, lidOpen: true },
};

export function telemetryTopic(deviceId: string): string {
  return `devices/${deviceId}/telemetry`;
}

/** A message as the MQTT source would hand it over; objects are JSON-encoded, strings and Buffers sent as is. */
export function message(topic: string, payload: unknown, receivedAtMs = NOW_MS): IncomingMessage {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  return { topic, payload: bytes, receivedAtMs };
}

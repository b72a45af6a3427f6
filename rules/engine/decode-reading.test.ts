import { describe, expect, it } from 'vitest';
import { markValidated } from '../../contracts/telemetry-handoff.ts';
import type { Telemetry } from '../../contracts/telemetry.ts';
import { directoryOf, makeDevice } from '../../ingest/test-fixtures.ts';
import { decodeReading } from './decode-reading.ts';

const TS = Date.parse('2025-06-01T08:00:00+08:00');
const reading: Telemetry = { v: 1, kind: 'bin_sensor', seq: 7, ts: TS, fillPct: 40 };
const topic = 'devices/bs-001/telemetry';

describe('decodeReading', () => {
  it('takes over the reading ingest validated from the very payload, once, without parsing it again', () => {
    const directory = directoryOf(makeDevice('bs-001', 'bin_sensor'));
    const payload = Buffer.from('not json: proves the bytes are not parsed again');
    markValidated(payload, reading);
    const decoded = decodeReading(topic, payload, directory);
    expect(decoded).toEqual({ ok: true, device: directory.getDevice('bs-001'), reading, tsMs: TS });
    expect(decoded.ok && decoded.reading).toBe(reading);
    expect(decodeReading(topic, payload, directory)).toEqual({ ok: false, reason: 'json' }); // taken once
  });

  it('still applies the registry of this moment to a handed-over reading', () => {
    const payload = Buffer.from(JSON.stringify(reading));
    markValidated(payload, reading);
    expect(decodeReading(topic, payload, directoryOf(makeDevice('bs-001', 'bin_sensor', { status: 'disabled' })))).toEqual({ ok: false, reason: 'disabled' });
    const other = Buffer.from(JSON.stringify(reading));
    markValidated(other, reading);
    expect(decodeReading(topic, other, directoryOf(makeDevice('bs-001', 'water_probe')))).toEqual({ ok: false, reason: 'kind_mismatch' });
  });

  it('decodes and validates a payload nobody handed over', () => {
    const directory = directoryOf(makeDevice('bs-001', 'bin_sensor'));
    expect(decodeReading(topic, Buffer.from(JSON.stringify(reading)), directory)).toEqual({ ok: true, device: directory.getDevice('bs-001'), reading, tsMs: TS });
    expect(decodeReading(topic, Buffer.from(JSON.stringify({ ...reading, fillPct: 101 })), directory)).toEqual({ ok: false, reason: 'schema' });
    expect(decodeReading(topic, Buffer.from('{'), directory)).toEqual({ ok: false, reason: 'json' });
    expect(decodeReading('devices/bs-001/status', Buffer.from('{}'), directory)).toEqual({ ok: false, reason: 'topic' });
  });
});

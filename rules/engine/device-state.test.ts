import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/sqlite.ts';
import { createDeviceState } from './device-state.ts';

const T0 = Date.parse('2026-11-22T08:00:00Z');
const MIN = 60_000;

describe('device state: last seen', () => {
  it('keeps last seen and the reporting interval, never moving backwards, and writes the latest on flush', () => {
    const db = openDatabase(':memory:');
    const state = createDeviceState(db);
    expect(state.seen('bs-1', 'bin_sensor', T0, undefined, T0 + 1)).toEqual({ deviceId: 'bs-1', kind: 'bin_sensor', lastSeenMs: T0 + 1, lastTsMs: T0, intervalMs: null });
    const entry = state.seen('bs-1', 'bin_sensor', T0 + 30 * MIN, undefined, T0 + 30 * MIN + 1);
    expect(entry).toEqual({ deviceId: 'bs-1', kind: 'bin_sensor', lastSeenMs: T0 + 30 * MIN + 1, lastTsMs: T0 + 30 * MIN, intervalMs: 30 * MIN }); // the gap
    // A replayed older reading: received now, but neither time moves back and the interval stays.
    state.seen('bs-1', 'bin_sensor', T0 + 10 * MIN, undefined, T0 + 5 * MIN);
    expect(state.get('bs-1')).toEqual({ deviceId: 'bs-1', kind: 'bin_sensor', lastSeenMs: T0 + 30 * MIN + 1, lastTsMs: T0 + 30 * MIN, intervalMs: 30 * MIN });
    expect(state.seen('bs-1', 'bin_sensor', T0 + 40 * MIN, 900, T0 + 40 * MIN).intervalMs).toBe(900_000); // periodS wins
    expect(state.get('bs-1')).toBe(entry); // one entry per device, updated in place
    expect([...state.all()]).toEqual([entry]);

    state.flush();
    expect([...createDeviceState(db).all()]).toEqual([{ deviceId: 'bs-1', kind: 'bin_sensor', lastSeenMs: T0 + 40 * MIN, lastTsMs: T0 + 40 * MIN, intervalMs: 900_000 }]);
  });
});

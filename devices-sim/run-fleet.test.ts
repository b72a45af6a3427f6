import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_STATUS, ALL_TELEMETRY, parseDeviceTopic } from '../contracts/topics.ts';
import { TelemetrySchema } from '../contracts/telemetry.ts';
import { planFleet } from './fleet.ts';
import { runFleet } from './run-fleet.ts';
import { startTestBroker, waitFor, watch, type TestBroker } from './test-broker.ts';
import { demoReference } from './test-fixtures.ts';

const ref = demoReference();

describe('runFleet', () => {
  let tb: TestBroker;
  beforeEach(async () => {
    tb = await startTestBroker();
  });
  afterEach(async () => {
    await tb.close();
  });

  it('connects a fleet, spreads first reports over the interval, sums stats and stops cleanly', async () => {
    const devices = planFleet(ref, { devices: 24, seed: 3 }).map((registration) => ({ registration, password: '' }));
    const { client, seen } = await watch(tb.url, [ALL_TELEMETRY, ALL_STATUS]);
    const arrivals: number[] = [];
    client.on('message', (topic) => {
      if (topic.endsWith('/telemetry')) arrivals.push(performance.now());
    });
    const intervalMs = 1200;
    const fleet = await runFleet({ url: tb.url, devices, intervalMs, seed: 3, connectConcurrency: 5, startSeq: 1000, ref });
    expect(fleet.devices()).toHaveLength(24);
    expect(fleet.stats().connected).toBe(24);

    await waitFor(() => arrivals.length >= 24, 5000);
    // First round: 24 reports spread over ~1.2 s, not in one burst.
    const firstRound = arrivals.slice(0, 24);
    expect(firstRound.at(-1)! - firstRound[0]!).toBeGreaterThan(intervalMs * 0.6);

    await waitFor(() => fleet.stats().acked >= 48, 5000);
    await fleet.stop();
    const s = fleet.stats();
    expect(s.connected).toBe(0);
    expect(s.sent).toBe(s.acked);
    expect(s.errors).toBe(0);

    const telemetry = seen.filter((m) => m.topic.endsWith('/telemetry'));
    for (const m of telemetry) {
      const r = TelemetrySchema.parse(JSON.parse(m.payload.toString('utf8')));
      expect(r.seq).toBeGreaterThanOrEqual(1000);
      const reg = devices.find((d) => d.registration.id === parseDeviceTopic(m.topic)?.deviceId)!.registration;
      expect(r.kind).toBe(reg.kind);
      if (r.kind === 'rodent_station') expect(r.periodS).toBe(1); // periodS = interval in whole seconds
    }
    await waitFor(() => seen.filter((m) => m.topic.endsWith('/status') && m.payload.toString() === '{"online":false}').length === 24);
    await client.endAsync();
  });
});

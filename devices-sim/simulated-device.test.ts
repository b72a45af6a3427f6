import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import { TelemetrySchema } from '../contracts/telemetry.ts';
import { deviceTopic } from '../contracts/topics.ts';
import { planFleet } from './fleet.ts';
import { SimulatedDevice } from './simulated-device.ts';
import { startTestBroker, waitFor, watch, type Seen, type TestBroker } from './test-broker.ts';
import { demoReference, shanghai } from './test-fixtures.ts';

const ref = demoReference();
const reg = planFleet(ref, { devices: 200, seed: 1 }).find((d) => d.kind === 'rodent_station')!;
const T0 = shanghai('2025-07-07T21:00:00');
const json = (s: Seen): unknown => JSON.parse(s.payload.toString('utf8'));

describe('SimulatedDevice against a real broker', () => {
  let tb: TestBroker;
  const opened: SimulatedDevice[] = [];
  const device = (extra: Partial<ConstructorParameters<typeof SimulatedDevice>[0]> = {}): SimulatedDevice => {
    let now = T0;
    const d = new SimulatedDevice({
      url: tb.url,
      registration: reg,
      seed: 1,
      periodS: 5,
      site: ref,
      clock: () => (now += 5000),
      reconnectPeriodMs: 200,
      ...extra,
    });
    opened.push(d);
    return d;
  };

  beforeEach(async () => {
    tb = await startTestBroker();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.crash()));
    await tb.close();
  });

  it('publishes valid telemetry at QoS 1 with seq counting up from its start value', async () => {
    const { client, seen } = await watch(tb.url, [deviceTopic(reg.id, 'telemetry')]);
    const brokerQos: number[] = [];
    tb.broker.on('publish', (packet, c) => {
      if (c && packet.topic === deviceTopic(reg.id, 'telemetry')) brokerQos.push(packet.qos);
    });
    const d = device({ startSeq: 500 });
    expect(await d.connect()).toBe(true);
    for (let i = 0; i < 5; i++) await d.report();
    await waitFor(() => seen.length === 5);

    const readings = seen.map((s) => TelemetrySchema.parse(json(s)));
    expect(readings.map((r) => r.seq)).toEqual([500, 501, 502, 503, 504]);
    expect(readings.every((r) => r.kind === 'rodent_station')).toBe(true);
    expect(new Set(readings.map((r) => r.ts)).size).toBe(5);
    expect(brokerQos).toEqual([1, 1, 1, 1, 1]);
    expect(seen.every((s) => s.qos === 1)).toBe(true);
    expect(d.stats()).toMatchObject({ connected: true, sent: 5, acked: 5, errors: 0 });
    expect(d.records().map((r) => [r.seq, r.acked, r.fault])).toEqual([500, 501, 502, 503, 504].map((s) => [s, true, null]));
    expect(d.nextSeq).toBe(505);
    await client.endAsync();
  });

  it('announces itself online with a retained status, and says offline on a clean stop', async () => {
    const d = device();
    await d.connect();
    await waitFor(() => d.stats().connected);
    // A subscriber arriving later still gets the retained status.
    const late = await watch(tb.url, [deviceTopic(reg.id, 'status')]);
    await waitFor(() => late.seen.length === 1);
    expect(late.seen[0]).toMatchObject({ retain: true });
    expect(json(late.seen[0]!)).toEqual({ online: true });

    await d.stop();
    await waitFor(() => late.seen.length === 2);
    expect(json(late.seen[1]!)).toEqual({ online: false });
    const after = await watch(tb.url, [deviceTopic(reg.id, 'status')]);
    await waitFor(() => after.seen.length === 1);
    expect(after.seen[0]).toMatchObject({ retain: true });
    expect(json(after.seen[0]!)).toEqual({ online: false });
    await late.client.endAsync();
    await after.client.endAsync();
  });

  it('leaves a retained {"online":false} will that the broker publishes when the device drops', async () => {
    const d = device();
    await d.connect();
    const w = await watch(tb.url, [deviceTopic(reg.id, 'status')]);
    await waitFor(() => w.seen.some((s) => (json(s) as { online: boolean }).online));
    await d.crash();
    await waitFor(() => w.seen.some((s) => !(json(s) as { online: boolean }).online));
    const retained = await watch(tb.url, [deviceTopic(reg.id, 'status')]);
    await waitFor(() => retained.seen.length === 1);
    expect(retained.seen[0]).toMatchObject({ retain: true });
    expect(json(retained.seen[0]!)).toEqual({ online: false });
    await w.client.endAsync();
    await retained.client.endAsync();
  });

  it('counts rejections from its errors topic by code', async () => {
    const d = device();
    await d.connect();
    await waitFor(() => tb.broker.connectedClients === 1);
    await new Promise((r) => setTimeout(r, 50)); // let the SUBSCRIBE land
    const send = (m: DeviceErrorMessage | string): Promise<void> =>
      new Promise((resolve) =>
        tb.broker.publish(
          { cmd: 'publish', topic: deviceTopic(reg.id, 'errors'), payload: Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)), qos: 1, retain: false, dup: false },
          () => resolve(),
        ),
      );
    await send({ seq: 3, code: 'SCHEMA_INVALID', message: 'bad', issues: [{ path: 'visits', message: 'expected number' }] });
    await send({ seq: null, code: 'INVALID_JSON', message: 'not json', issues: [] });
    await send({ seq: 4, code: 'SCHEMA_INVALID', message: 'bad', issues: [] });
    await send('garbage');
    await waitFor(() => d.rejections().length === 3 && d.stats().errors === 1);
    expect(d.stats().rejectedByCode).toEqual({ SCHEMA_INVALID: 2, INVALID_JSON: 1 });
    expect(d.rejections().map((r) => r.seq)).toEqual([3, null, 4]);
  });

  it('records faults with what ingest should answer, and reconnects after the broker drops it', async () => {
    const { client, seen } = await watch(tb.url, [deviceTopic(reg.id, 'telemetry')]);
    const d = device({ faults: [{ kind: 'oversized', ratio: 0.5 }] });
    await d.connect();
    for (let i = 0; i < 10; i++) await d.report();
    await waitFor(() => seen.length === 10);
    const oversized = d.records().filter((r) => r.fault === 'oversized');
    expect(oversized.length).toBeGreaterThan(0);
    expect(oversized.every((r) => r.expectCode === 'TOO_LARGE')).toBe(true);
    expect(seen.filter((s) => s.payload.length > 8192)).toHaveLength(oversized.length);

    // Drop the device from the broker side; it comes back by itself and keeps counting.
    for (const c of Object.values((tb.broker as unknown as { clients: Record<string, { close(): void }> }).clients)) {
      if ((c as unknown as { id: string }).id === reg.id) c.close();
    }
    await waitFor(() => !d.stats().connected);
    await waitFor(() => d.stats().connected);
    await d.report();
    await waitFor(() => seen.length === 11);
    expect((json(seen[10]!) as { seq: number }).seq).toBe(10);
    await client.endAsync();
  });
});

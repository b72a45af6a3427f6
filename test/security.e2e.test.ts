/**
 * Device authentication and topic ACL through the real broker over TCP, with ingest and influxd behind it:
 * a wrong password is refused; device A can neither write into B's telemetry nor read anything of B's,
 * retained or live, through exact topics or wildcards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { TELEMETRY_EXAMPLES } from '../contracts/examples.ts';
import type { DeviceCredential } from '../contracts/registry.ts';
import { collect, publish, sleep, startTestStack, type TestStack } from './harness.ts';

let stack: TestStack;
let a: DeviceCredential;
let b: DeviceCredential;
beforeAll(async () => {
  stack = await startTestStack();
  a = await stack.register({ id: 'sec-dev-a', kind: 'bin_sensor', siteId: 'yx-market-dongshan' });
  b = await stack.register({ id: 'sec-dev-b', kind: 'bin_sensor', siteId: 'th-market-shipai' });
});
afterAll(async () => {
  await stack?.stop();
});

const binReading = (seq: number) => JSON.stringify({ ...TELEMETRY_EXAMPLES.bin_sensor, seq, ts: Date.now() - 500 });

describe('authentication', () => {
  it('refuses a wrong password, an unknown device and a borrowed client id', async () => {
    const attempt = (opts: mqtt.IClientOptions) =>
      new Promise<string>((resolve) => {
        const c = mqtt.connect(stack.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...opts });
        c.once('connect', () => {
          c.end(true);
          resolve('connected');
        });
        c.once('error', (err) => {
          c.end(true);
          resolve(String((err as { code?: number }).code ?? err.message));
        });
      });
    expect(await attempt({ username: a.username, password: `${a.password}x`, clientId: a.username })).toBe('4');
    expect(await attempt({ username: 'ghost-device', password: a.password, clientId: 'ghost-device' })).toBe('4');
    expect(await attempt({ username: a.username, password: a.password, clientId: b.username })).not.toBe('connected');
    expect(await attempt({ username: a.username, password: a.password, clientId: a.username })).toBe('connected');
  });
});

describe('topic ACL', () => {
  it("device A cannot publish into B's telemetry: nothing is stored for B", async () => {
    const devA = await stack.connectDevice(a);
    await publish(devA, `devices/${b.username}/telemetry`, binReading(1)); // PUBACK comes; the broker drops it
    await publish(devA, `devices/${a.username}/telemetry`, binReading(2)); // a control reading that must land
    await stack.waitForRows(`SELECT seq FROM bin_sensor WHERE device = '${a.username}'`, 1);
    await sleep(300);
    expect(await stack.rows(`SELECT seq FROM bin_sensor WHERE device = '${b.username}'`)).toEqual([]);
    expect(await stack.rows(`SELECT seq FROM bin_sensor WHERE device = '${a.username}'`)).toEqual([expect.objectContaining({ seq: 2 })]);
    await devA.endAsync();
  });

  it("device A subscribing to wildcards or B's topics receives nothing of B's, retained or live", async () => {
    const devB = await stack.connectDevice(b);
    await publish(devB, `devices/${b.username}/status`, JSON.stringify({ online: true }), { retain: true });

    const devA = await stack.connectDevice(a);
    const inbox = collect(devA);
    const filters = ['devices/#', 'devices/+/telemetry', 'devices/+/status', `devices/${b.username}/telemetry`, `devices/${b.username}/status`, '#', '$SYS/#'];
    // Every filter is refused with SUBACK 0x80; mqtt.js reports that as an error carrying the SUBACK packet.
    const suback = await new Promise<{ granted?: (number | object)[] }>((resolve) =>
      devA.subscribe(filters, { qos: 1 }, (err) => resolve((err as { packet?: { granted?: (number | object)[] } } | null)?.packet ?? {})),
    );
    expect(suback.granted).toEqual(filters.map(() => 128));

    await publish(devB, `devices/${b.username}/telemetry`, binReading(10));
    await publish(devB, `devices/${b.username}/status`, JSON.stringify({ online: true }), { retain: true });
    await sleep(500);
    expect(inbox.messages.filter((m) => m.topic.includes(b.username))).toEqual([]);
    expect(inbox.messages).toEqual([]);
    expect(devA.connected).toBe(true); // a denied subscription must not kick the client into a reconnect loop
    await devA.endAsync();
    await devB.endAsync();
  });
});

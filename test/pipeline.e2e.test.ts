/**
 * End to end through real parts: MQTT device clients → aedes over TCP → ingest → a real influxd.
 * Issue 2's acceptance tests: every kind stored with the right tags and fields within 2 s; an invalid reading gets
 * an error on the device's errors topic and stores nothing; a duplicate is stored once; readings published while
 * ingest is down are all stored when it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEMETRY_EXAMPLES } from '../contracts/examples.ts';
import { DEVICE_KINDS, type DeviceKind } from '../contracts/telemetry.ts';
import type { DeviceCredential } from '../contracts/registry.ts';
import { collect, publish, startTestStack, type TestStack } from './harness.ts';

const SITE_OF: Record<DeviceKind, { siteId: string; samplingPoint?: 'finished' }> = {
  rodent_station: { siteId: 'yx-market-dongshan' },
  mosquito_trap: { siteId: 'yx-park-yuexiu' },
  sticky_trap: { siteId: 'th-rest-tiyuxilu' },
  water_probe: { siteId: 'yx-water-xicun', samplingPoint: 'finished' },
  bin_sensor: { siteId: 'th-street-huacheng' },
};
const EXPECTED_TAGS: Record<DeviceKind, { district: string; contractor: string }> = {
  rodent_station: { district: 'yuexiu', contractor: 'jiean' },
  mosquito_trap: { district: 'yuexiu', contractor: 'lvdun' },
  sticky_trap: { district: 'tianhe', contractor: 'weikang' },
  water_probe: { district: 'yuexiu', contractor: 'weikang' },
  bin_sensor: { district: 'tianhe', contractor: 'jiean' },
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const reading = (kind: DeviceKind, seq: number, tsMs = Date.now() - 1000) => ({ ...TELEMETRY_EXAMPLES[kind], seq, ts: tsMs });

describe('a registered device of each kind', () => {
  it.each(DEVICE_KINDS)('%s: one valid reading is queryable with tags and fields within 2 s', async (kind) => {
    const id = `e2e-${kind.replace('_', '-')}-1`;
    const cred = await stack.register({ id, kind, placement: 'indoor', ...SITE_OF[kind] });
    const device = await stack.connectDevice(cred);
    const sent = reading(kind, 7);
    const t0 = Date.now();
    await publish(device, `devices/${id}/telemetry`, JSON.stringify(sent));
    // Queryable = the whole point: InfluxDB 1.x can answer a query between the fields of one point becoming visible.
    const complete = (r: Record<string, unknown>) => Object.keys(sent).filter((f) => !['v', 'kind', 'ts', 'bySpecies'].includes(f)).every((f) => r[f] !== null);
    let rows: Record<string, unknown>[] = [];
    await stack.waitFor(async () => (rows = await stack.rows(`SELECT * FROM ${kind} WHERE device = '${id}'`)).length >= 1 && rows.every(complete), { timeoutMs: 2000, intervalMs: 25 });
    const elapsed = Date.now() - t0;
    expect(rows).toHaveLength(1);
    expect(elapsed).toBeLessThan(2000);
    const row = rows[0]!;
    expect(row).toMatchObject({ device: id, site: SITE_OF[kind].siteId, ...EXPECTED_TAGS[kind], seq: 7 });
    expect(row.time).toBe(sent.ts); // epoch ms; the sub-millisecond seq offset is below the query precision
    for (const [field, value] of Object.entries(sent)) {
      if (['v', 'kind', 'ts', 'bySpecies'].includes(field)) continue;
      expect(row[field], field).toEqual(value);
    }
    if ('bySpecies' in sent && sent.bySpecies) {
      for (const [species, n] of Object.entries(sent.bySpecies)) expect(row[`bySpecies_${species}`], species).toBe(n);
    }
  });
});

describe('rejections reach the device and store nothing', () => {
  let cred: DeviceCredential;
  beforeAll(async () => {
    cred = await stack.register({ id: 'e2e-bad-1', kind: 'bin_sensor', siteId: 'yx-toilet-huanghua' });
  });

  it.each([
    ['SCHEMA_INVALID', JSON.stringify({ ...reading('bin_sensor', 1), fillPct: 140 }), 1],
    ['INVALID_JSON', '{"v":1,"kind":"bin_sensor",', null],
    ['KIND_MISMATCH', JSON.stringify(reading('water_probe', 3)), 3],
    ['STALE_OR_FUTURE_TS', JSON.stringify(reading('bin_sensor', 4, Date.now() + 3600_000)), 4],
    ['TOO_LARGE', JSON.stringify({ ...reading('bin_sensor', 5), pad: 'x'.repeat(9000) }), null],
  ] as const)('%s', async (code, payload, seq) => {
    const device = await stack.connectDevice(cred, { clientId: cred.username });
    const inbox = collect(device);
    await device.subscribeAsync(`devices/${cred.username}/errors`, { qos: 1 });
    await publish(device, `devices/${cred.username}/telemetry`, payload);
    await stack.waitFor(() => inbox.messages.length > 0, { timeoutMs: 3000 });
    expect(inbox.messages).toHaveLength(1);
    const error = JSON.parse(inbox.messages[0]!.payload) as { code: string; seq: number | null; message: string; issues: unknown[] };
    expect(error.code).toBe(code);
    expect(error.seq).toBe(seq);
    expect(error.message.length).toBeGreaterThan(5);
    expect(Array.isArray(error.issues)).toBe(true);
    await device.endAsync();
  });

  it('stored nothing for the rejected device, and counted each code', async () => {
    expect(await stack.rows(`SELECT * FROM bin_sensor WHERE device = 'e2e-bad-1'`)).toEqual([]);
    expect(await stack.rows(`SELECT * FROM water_probe WHERE device = 'e2e-bad-1'`)).toEqual([]);
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    for (const code of ['SCHEMA_INVALID', 'INVALID_JSON', 'KIND_MISMATCH', 'STALE_OR_FUTURE_TS', 'TOO_LARGE']) {
      expect(metrics).toMatch(new RegExp(`vectorwatch_ingest_rejected_total\\{code="${code}"\\} 1\\b`));
    }
    // The same counts reach InfluxDB for the fleet-health dashboard (measurement ingest_stats).
    const codes = ['SCHEMA_INVALID', 'INVALID_JSON', 'KIND_MISMATCH', 'STALE_OR_FUTURE_TS', 'TOO_LARGE'];
    const rejectedByCode = async () => {
      const series = await stack.influx.query(`SELECT sum(count) AS n FROM ingest_stats WHERE outcome = 'rejected' GROUP BY code`);
      return Object.fromEntries(series.map((s) => [s.tags?.['code'], s.values[0]?.[1]]));
    };
    // Written every INGEST_STATS_INTERVAL_MS (200 ms here): wait until the last refusal's interval is in.
    await stack.waitFor(async () => {
      const byCode = await rejectedByCode();
      return codes.every((c) => c in byCode);
    }, { timeoutMs: 3000 });
    const counted = await rejectedByCode();
    for (const code of codes) expect(counted[code], code).toBe(1);
    const res = await fetch(`${stack.httpUrl}/api/dead-letters?deviceId=e2e-bad-1`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const body = (await res.json()) as { deadLetters: { code: string }[] };
    expect(body.deadLetters.map((d) => d.code).sort()).toEqual(['INVALID_JSON', 'KIND_MISMATCH', 'SCHEMA_INVALID', 'STALE_OR_FUTURE_TS', 'TOO_LARGE']);
  });
});

describe('nothing doubled, nothing lost', () => {
  it('a reading delivered twice is stored once', async () => {
    const cred = await stack.register({ id: 'e2e-dup-1', kind: 'mosquito_trap', siteId: 'th-res-zhujiang', placement: 'outdoor' });
    const device = await stack.connectDevice(cred);
    const payload = JSON.stringify(reading('mosquito_trap', 42));
    await publish(device, 'devices/e2e-dup-1/telemetry', payload);
    await publish(device, 'devices/e2e-dup-1/telemetry', payload);
    await publish(device, 'devices/e2e-dup-1/telemetry', JSON.stringify(reading('mosquito_trap', 43)));
    const rows = await stack.waitFor(async () => {
      const r = await stack.rows(`SELECT seq FROM mosquito_trap WHERE device = 'e2e-dup-1'`);
      return r.length >= 2 ? r : null;
    });
    await new Promise((r) => setTimeout(r, 300)); // give a second copy every chance to land
    const final = await stack.rows(`SELECT seq FROM mosquito_trap WHERE device = 'e2e-dup-1'`);
    expect(rows).not.toBeNull();
    expect(final.map((r) => r.seq)).toEqual([42, 43]);
    expect(stack.ingest?.stats().duplicates).toBeGreaterThanOrEqual(1);
  });
});

describe('INGEST_MODE=mqtt (ingest as an MQTT subscriber with a persistent session)', () => {
  let mqttStack: TestStack;
  beforeAll(async () => {
    mqttStack = await startTestStack({ INGEST_MODE: 'mqtt' });
  });
  afterAll(async () => {
    await mqttStack?.stop();
  });

  it('100 readings published while ingest is stopped are all stored once it restarts', async () => {
    const cred = await mqttStack.register({ id: 'e2e-outage-1', kind: 'rodent_station', siteId: 'th-transfer-longdong', placement: 'outdoor' });
    const device = await mqttStack.connectDevice(cred);
    await mqttStack.stopIngest();
    const base = Date.now() - 200_000;
    for (let seq = 1; seq <= 100; seq++) {
      await publish(device, 'devices/e2e-outage-1/telemetry', JSON.stringify(reading('rodent_station', seq, base + seq * 1000)));
    }
    expect(await mqttStack.rows(`SELECT count(seq) FROM rodent_station WHERE device = 'e2e-outage-1'`)).toEqual([]);
    await mqttStack.startIngest();
    const counted = await mqttStack.waitFor(async () => {
      const r = await mqttStack.rows(`SELECT count(seq) AS n FROM rodent_station WHERE device = 'e2e-outage-1'`);
      return r[0]?.n === 100 ? r : null;
    }, { timeoutMs: 10_000 });
    expect(counted?.[0]?.n).toBe(100);
    const seqs = (await mqttStack.rows(`SELECT seq FROM rodent_station WHERE device = 'e2e-outage-1'`)).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});

describe('dead letters', () => {
  it('a reading refused while its device was disabled by mistake is stored after the fix and a replay', async () => {
    const cred = await stack.register({ id: 'e2e-replay-1', kind: 'bin_sensor', siteId: 'yx-toilet-huanghua' });
    const device = await stack.connectDevice(cred);
    stack.registry.setStatus('e2e-replay-1', 'disabled'); // the registry changes under a live connection
    await publish(device, 'devices/e2e-replay-1/telemetry', JSON.stringify(reading('bin_sensor', 5)));
    const auth = { authorization: `Bearer ${stack.adminToken}` };
    const letters = await stack.waitFor(async () => {
      const res = await fetch(`${stack.httpUrl}/api/dead-letters?deviceId=e2e-replay-1`, { headers: auth });
      const list = ((await res.json()) as { deadLetters: { id: number; code: string }[] }).deadLetters;
      return list.length > 0 ? list : null;
    });
    expect(letters?.map((d) => d.code)).toEqual(['DEVICE_DISABLED']);
    expect(await stack.rows(`SELECT seq FROM bin_sensor WHERE device = 'e2e-replay-1'`)).toEqual([]);

    stack.registry.setStatus('e2e-replay-1', 'active');
    const replay = await fetch(`${stack.httpUrl}/api/dead-letters/${letters![0]!.id}/replay`, { method: 'POST', headers: auth });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ outcome: 'stored' });
    expect((await stack.waitForRows(`SELECT seq FROM bin_sensor WHERE device = 'e2e-replay-1'`, 1)).map((r) => r.seq)).toEqual([5]);
    const after = await fetch(`${stack.httpUrl}/api/dead-letters?deviceId=e2e-replay-1`, { headers: auth });
    expect(((await after.json()) as { deadLetters: unknown[] }).deadLetters).toEqual([]);
    const again = await fetch(`${stack.httpUrl}/api/dead-letters/${letters![0]!.id}/replay`, { method: 'POST', headers: auth });
    expect(again.status).toBe(404);
    await device.endAsync();
  });
});

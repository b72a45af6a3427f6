import type { Client, PublishPacket } from 'aedes';
import { describe, expect, it } from 'vitest';
import { createTelemetryGate, type TelemetryVerdict } from './telemetry-gate.ts';

const packet = (n: number): PublishPacket =>
  ({ cmd: 'publish', topic: 'devices/rs-001/telemetry', payload: Buffer.from(String(n)), qos: 1, retain: false, dup: false, messageId: n }) as PublishPacket;

/** `accept` whose verdicts the test hands out, by payload. */
function manualAccept() {
  const waiting = new Map<string, { resolve(v: TelemetryVerdict): void; reject(err: Error): void }>();
  const accept = (_id: string, _topic: string, payload: Buffer) =>
    new Promise<TelemetryVerdict>((resolve, reject) => void waiting.set(payload.toString(), { resolve, reject }));
  return { accept, decide: (n: number) => waiting.get(String(n))! };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('telemetry gate', () => {
  it('acknowledges one client in arrival order, whatever order the decisions come in', async () => {
    const { accept, decide } = manualAccept();
    const withheld: number[] = [];
    const gate = createTelemetryGate(accept, (p) => void withheld.push(p.messageId!));
    const client = {} as Client;
    const acked: string[] = [];
    const packets = [1, 2, 3, 4].map(packet);
    for (const p of packets) gate(client, 'rs-001', p, (err) => acked.push(`${p.messageId}:${err ? err.message : 'ok'}`));

    decide(3).resolve('withhold');
    decide(2).reject(new Error('disk failed'));
    await flush();
    expect(acked).toEqual([]); // 1 is undecided: nothing after it may be acknowledged
    expect(withheld).toEqual([3]); // but the verdict is applied to the packet at once

    decide(1).resolve('forward');
    await flush();
    expect(acked).toEqual(['1:ok', '2:disk failed', '3:ok']);

    decide(4).resolve('forward');
    await flush();
    expect(acked).toEqual(['1:ok', '2:disk failed', '3:ok', '4:ok']);
  });

  it('keeps clients independent: one client waiting holds back no other', async () => {
    const { accept, decide } = manualAccept();
    const gate = createTelemetryGate(accept, () => {});
    const [a, b] = [{} as Client, {} as Client];
    const acked: string[] = [];
    gate(a, 'rs-001', packet(1), () => acked.push('a1'));
    gate(b, 'rs-002', packet(2), () => acked.push('b2'));
    decide(2).resolve('forward');
    await flush();
    expect(acked).toEqual(['b2']);
    decide(1).resolve('forward');
    await flush();
    expect(acked).toEqual(['b2', 'a1']);
  });

  it('a throwing accept refuses that reading in its turn', async () => {
    const gate = createTelemetryGate(() => {
      throw new Error('bug');
    }, () => {});
    const errors: (Error | null)[] = [];
    gate({} as Client, 'rs-001', packet(1), (err) => errors.push(err));
    await flush();
    expect(errors.map((e) => e?.message)).toEqual(['bug']);
  });
});

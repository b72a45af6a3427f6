/**
 * The lean load generator: one raw mqtt.js client per device (QoS 1, MQTT 3.1.1), pre-built payloads, a paced
 * round-robin schedule and a per-device in-flight window. The same code drives every stack under test.
 *
 * Back-pressure is visible here, not hidden: a device with `window` publishes awaiting PUBACK sends nothing more
 * until one returns, so a broker that slows its acknowledgements slows the generator (the `lag` it reports), and
 * nothing is dropped on this side. Per device it keeps the first and next seq and how many were acknowledged, which
 * is what the bench compares with InfluxDB; for devices marked `record` it also keeps each reading's publish and
 * PUBACK times (latency scenarios).
 */
import { createConnection } from 'node:net';
import { MqttClient } from 'mqtt';
import type { LoadDevice } from './payloads.ts';
import { renderPayload } from './payloads.ts';

export interface ConnectOptions {
  url: string;
  /** MQTT keep-alive, seconds. */
  keepaliveS: number;
  /** Most publishes awaiting PUBACK per device. */
  window: number;
  /** Connections being opened at once. */
  connectConcurrency: number;
  /** Loopback source addresses to spread connections over (ephemeral ports are per source address). */
  localAddresses?: readonly string[] | undefined;
  /** Subscribe to `devices/{id}/errors` and leave a retained offline will, as a contract-v1 device does. */
  deviceSession?: boolean | undefined;
  /** First seq of every device (above anything sent before to the same database). */
  firstSeq: number;
  /** Ids whose publish and PUBACK times are kept. */
  record?: readonly string[] | undefined;
}

export interface RunOptions {
  /** Readings per second over all devices of this generator. */
  ratePerS: number;
  seconds: number;
  /**
   * Every device starts the run at this seq (default: the highest next seq of any device), so one seq range and one
   * time window select exactly this run's readings of every device.
   */
  firstSeq?: number | undefined;
}

export interface DeviceTally {
  id: string;
  kind: string;
  /** Seqs sent in the last run: [firstSeq, nextSeq). */
  firstSeq: number;
  nextSeq: number;
  acked: number;
  failed: number;
}

export interface RunReport {
  offered: number;
  sent: number;
  acked: number;
  failed: number;
  /** Largest shortfall of sent behind the schedule, in seconds of the offered rate. */
  maxLagS: number;
  /** Readings the schedule wanted but no device had window for (skipped after falling 1 s behind). */
  deferred: number;
  startedAtMs: number;
  endedAtMs: number;
  /** Wall time until the last PUBACK of the run arrived. */
  drainedAtMs: number;
  devices: DeviceTally[];
  /** [id, seq, publishedAtMs, ackedAtMs] for recorded devices. */
  recorded: [string, number, number, number][];
}

export interface ConnectReport {
  connected: number;
  failed: number;
  ms: number;
}

interface Dev {
  spec: LoadDevice;
  topic: string;
  client: MqttClient | undefined;
  inFlight: number;
  firstSeq: number;
  nextSeq: number;
  acked: number;
  failed: number;
  record: Map<number, number> | undefined;
}

const nowMs = (): number => performance.timeOrigin + performance.now();

export class LoadGenerator {
  readonly #devs: Dev[];
  #opts: ConnectOptions | undefined;
  #recorded: [string, number, number, number][] = [];
  #running: { stop: () => void } | undefined;

  constructor(devices: readonly LoadDevice[]) {
    this.#devs = devices.map((spec) => ({
      spec, topic: `devices/${spec.id}/telemetry`, client: undefined, inFlight: 0, firstSeq: 0, nextSeq: 0, acked: 0, failed: 0, record: undefined,
    }));
  }

  async connect(opts: ConnectOptions): Promise<ConnectReport> {
    this.#opts = opts;
    const { hostname, port } = new URL(opts.url);
    const record = new Set(opts.record ?? []);
    const t0 = performance.now();
    let next = 0;
    let connected = 0;
    let failed = 0;
    const one = (dev: Dev, i: number): Promise<void> => {
      dev.firstSeq = dev.nextSeq = opts.firstSeq;
      if (record.has(dev.spec.id)) dev.record = new Map();
      const localAddress = opts.localAddresses?.length ? opts.localAddresses[i % opts.localAddresses.length] : undefined;
      const id = dev.spec.id;
      const client = new MqttClient(
        () => createConnection({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) }),
        {
          clientId: id,
          username: id,
          ...(dev.spec.password !== undefined ? { password: dev.spec.password } : {}),
          protocolVersion: 4,
          clean: true,
          keepalive: opts.keepaliveS,
          reconnectPeriod: 1000,
          connectTimeout: 60_000,
          ...(opts.deviceSession ? { will: { topic: `devices/${id}/status`, payload: Buffer.from('{"online":false}'), retain: true, qos: 1 } } : {}),
        },
      );
      client.on('error', () => {});
      dev.client = client;
      return new Promise<void>((resolve) => {
        const done = (ok: boolean) => {
          client.off('connect', onConnect);
          clearTimeout(timer);
          if (ok) connected++;
          else failed++;
          resolve();
        };
        const onConnect = () => {
          if (!opts.deviceSession) return done(true);
          client.subscribe(`devices/${id}/errors`, { qos: 1 }, (err) => done(!err));
        };
        const timer = setTimeout(() => done(false), 90_000);
        client.on('connect', onConnect);
      });
    };
    const worker = async () => {
      while (next < this.#devs.length) {
        const i = next++;
        await one(this.#devs[i]!, i);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.connectConcurrency) }, worker));
    return { connected, failed, ms: performance.now() - t0 };
  }

  /** Publishes at `ratePerS` for `seconds`, then waits (at most `drainMs`) for outstanding PUBACKs. */
  async run(run: RunOptions, drainMs = 60_000): Promise<RunReport> {
    const opts = this.#opts;
    if (!opts) throw new Error('connect() first');
    const devs = this.#devs;
    const firstSeq = run.firstSeq ?? Math.max(...devs.map((d) => d.nextSeq));
    for (const d of devs) {
      d.firstSeq = d.nextSeq = firstSeq;
      d.acked = 0;
      d.failed = 0;
    }
    this.#recorded = [];
    let sent = 0;
    let acked = 0;
    let failed = 0;
    let deferred = 0;
    let maxLag = 0;
    let cursor = 0;
    let lastAckAt = nowMs();
    const startedAtMs = nowMs();
    const t0 = performance.now();
    const endAt = t0 + run.seconds * 1000;
    const rate = run.ratePerS;
    const window = opts.window;

    const publishOne = (d: Dev): void => {
      const seq = d.nextSeq++;
      const ts = Date.now();
      const tails = d.spec.tails;
      const payload = renderPayload(d.spec.kind, seq, ts, tails[seq % tails.length]!);
      d.inFlight++;
      sent++;
      const rec = d.record;
      if (rec) rec.set(seq, nowMs());
      d.client!.publish(d.topic, payload, { qos: 1 }, (err) => {
        d.inFlight--;
        if (err) {
          d.failed++;
          failed++;
          return;
        }
        d.acked++;
        acked++;
        lastAckAt = nowMs();
        if (rec) this.#recorded.push([d.spec.id, seq, rec.get(seq) ?? Number.NaN, lastAckAt]);
      });
    };

    let issued = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.floor((rate * (Math.min(now, endAt) - t0)) / 1000);
        let want = due - issued;
        let tried = 0;
        while (want > 0 && tried < devs.length) {
          const d = devs[cursor]!;
          cursor = (cursor + 1) % devs.length;
          if (d.client?.connected && d.inFlight < window) {
            publishOne(d);
            issued++;
            want--;
            tried = 0;
          } else {
            tried++;
          }
        }
        const lagS = (due - issued) / rate;
        if (lagS > maxLag) maxLag = lagS;
        if (due - issued > rate) {
          // A second behind: the devices are being held back. Stop owing the past, as a device that samples on a
          // clock would (it reports the next period, it does not burst).
          deferred += due - issued - rate;
          issued = due - rate;
        }
        if (now >= endAt) {
          deferred += Math.max(0, due - issued);
          this.#running = undefined;
          resolve();
          return;
        }
        this.#running = { stop: () => clearTimeout(timer) };
        const timer = setTimeout(tick, 2);
      };
      tick();
    });
    const endedAtMs = nowMs();
    const drainDeadline = performance.now() + drainMs;
    while (acked + failed < sent && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
    return {
      offered: Math.round(rate * run.seconds), sent, acked, failed, maxLagS: maxLag, deferred, startedAtMs, endedAtMs,
      drainedAtMs: acked + failed >= sent ? lastAckAt : Number.NaN,
      devices: devs.map((d) => ({ id: d.spec.id, kind: d.spec.kind, firstSeq: d.firstSeq, nextSeq: d.nextSeq, acked: d.acked, failed: d.failed })),
      recorded: this.#recorded,
    };
  }

  async close(): Promise<void> {
    this.#running?.stop();
    await Promise.all(this.#devs.map((d) => d.client?.endAsync(true).catch(() => undefined)));
  }
}

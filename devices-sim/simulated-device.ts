/**
 * One simulated device on one MQTT connection, behaving as contract v1 asks of real ones: it logs in with its id,
 * announces itself with a retained `{"online":true}` and leaves a retained `{"online":false}` will, publishes
 * telemetry at QoS 1 with an increasing seq, and listens on `devices/{id}/errors` for rejections.
 * It keeps a record of what it sent so tests and fault suites can compare it with what was stored.
 */
import { connect, type MqttClient } from 'mqtt';
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import type { DeviceRegistration, ReferenceData } from '../contracts/registry.ts';
import { deviceTopic } from '../contracts/topics.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { DeviceLedger, type LedgerCounters, type SentRecord } from './device-ledger.ts';
import { FaultInjector, type FaultSpec, type Outgoing } from './fault-injector.ts';
import { createProfile, type DeviceProfile, type SiteType } from './profiles/index.ts';
import { createRng } from './random.ts';
import { buildReading, type TsFormat } from './reading.ts';

export interface SimulatedDeviceOptions {
  url: string;
  registration: DeviceRegistration;
  /** Omit for a broker without authentication. */
  password?: string | undefined;
  seed: number;
  /** Seconds each report covers (the report interval). */
  periodS: number;
  /** The site's type, or reference data to look it up in (else guessed from the site id). */
  site?: SiteType | ReferenceData | undefined;
  /** First seq; default 0. Use a value above anything sent before when a device restarts. */
  startSeq?: number | undefined;
  clock?: (() => number) | undefined;
  faults?: readonly FaultSpec[] | undefined;
  tsFormat?: TsFormat | undefined;
  /**
   * Base reconnect delay; each device uses 50–150 % of it so a broker restart is not met by a herd, and doubles it
   * (with fresh jitter) after each failed attempt, up to 30 s. Default 2000.
   */
  reconnectPeriodMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /** Most recent sent records kept in memory; default 100,000. */
  recordLimit?: number | undefined;
  /** Reports are skipped (and counted) while this many publishes wait for PUBACK; default 1,000. */
  maxInFlight?: number | undefined;
  logger?: Logger | undefined;
  /** Scenario knob: pest activity multiplier read at each report (profiles/types.ts `activity`). */
  activity?: (() => number) | undefined;
}

export type { SentRecord } from './device-ledger.ts';

export interface DeviceStats extends LedgerCounters {
  connected: boolean;
}

const ONLINE = JSON.stringify({ online: true });
const MAX_RECONNECT_MS = 30_000;
const OFFLINE = JSON.stringify({ online: false });

export class SimulatedDevice {
  readonly id: string;
  readonly registration: DeviceRegistration;
  readonly #opts: SimulatedDeviceOptions;
  readonly #profile: DeviceProfile;
  readonly #injector: FaultInjector;
  readonly #clock: () => number;
  readonly #log: Logger;
  readonly #reconnectPeriodMs: number;
  readonly #jitter: () => number;
  readonly #ledger: DeviceLedger;
  readonly #inFlight = new Set<Promise<void>>();
  #client: MqttClient | null = null;
  #nextSeq: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: SimulatedDeviceOptions) {
    this.#opts = opts;
    this.registration = opts.registration;
    this.id = opts.registration.id;
    this.#profile = createProfile(opts.registration, opts.seed, opts.site, opts.activity);
    const rng = createRng(opts.seed).fork(`device-io:${this.id}`);
    this.#injector = new FaultInjector(opts.faults ?? [], rng.fork('faults'));
    this.#reconnectPeriodMs = Math.round((opts.reconnectPeriodMs ?? 2000) * rng.float(0.5, 1.5));
    const jitterRng = rng.fork('reconnect-jitter');
    this.#jitter = () => jitterRng.float(0.5, 1.5);
    this.#clock = opts.clock ?? Date.now;
    this.#nextSeq = opts.startSeq ?? 0;
    this.#log = (opts.logger ?? silentLogger).child({ device: this.id });
    this.#ledger = new DeviceLedger(opts.recordLimit ?? 100_000);
  }

  /** Opens the connection. Resolves true once connected, false on the first error (the client keeps retrying). */
  connect(): Promise<boolean> {
    if (this.#client) throw new Error(`${this.id} is already connected`);
    const client = connect(this.#opts.url, {
      clientId: this.id,
      username: this.id,
      ...(this.#opts.password !== undefined ? { password: this.#opts.password } : {}),
      clean: true,
      protocolVersion: 4, // aedes speaks MQTT 3.1.1
      reconnectPeriod: this.#reconnectPeriodMs,
      connectTimeout: this.#opts.connectTimeoutMs ?? 10_000,
      // The will is retained so a dashboard that subscribes later still sees the device as offline.
      will: { topic: deviceTopic(this.id, 'status'), payload: Buffer.from(OFFLINE), retain: true, qos: 1 },
    });
    this.#client = client;
    // Exponential backoff with jitter: mqtt.js reads options.reconnectPeriod before each attempt.
    let attempt = 0;
    client.on('reconnect', () => {
      attempt++;
      client.options.reconnectPeriod = Math.round(Math.min(MAX_RECONNECT_MS, this.#reconnectPeriodMs * 2 ** Math.min(attempt, 10)) * this.#jitter());
    });
    client.on('connect', () => {
      attempt = 0;
      client.options.reconnectPeriod = this.#reconnectPeriodMs;
      client.publish(deviceTopic(this.id, 'status'), ONLINE, { qos: 1, retain: true });
      client.subscribe(deviceTopic(this.id, 'errors'), { qos: 1 });
    });
    client.on('message', (_topic, payload) => {
      const rejection = this.#ledger.rejection(payload);
      if (rejection) this.#log.trace({ rejection }, 'reading rejected');
    });
    client.on('error', (err) => {
      this.#ledger.error();
      this.#log.debug({ err }, 'mqtt error');
    });
    return new Promise((resolve) => {
      // Some failures (a refused TCP connection) only close the socket; do not wait on them forever.
      const timer = setTimeout(() => done(false), (this.#opts.connectTimeoutMs ?? 10_000) + 1000);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', onError);
        resolve(ok);
      };
      const onConnect = (): void => done(true);
      const onError = (): void => done(false);
      client.on('connect', onConnect);
      client.on('error', onError);
    });
  }

  /** Generates and publishes one report (with any fault drawn); resolves when its publishes are acked or failed. */
  async report(): Promise<void> {
    const client = this.#client;
    if (!client) throw new Error(`${this.id} is not connected; call connect() first`);
    if (this.#inFlight.size >= (this.#opts.maxInFlight ?? 1000)) {
      this.#ledger.skipped();
      return;
    }
    const tsMs = this.#clock();
    const fields = this.#profile.next(tsMs, this.#opts.periodS);
    const reading = buildReading(this.registration.kind, this.#nextSeq++, tsMs, fields, this.#opts.tsFormat);
    await Promise.all(this.#injector.plan(reading).map((o) => this.#publish(client, o)));
  }

  /** Reports every `intervalMs`, the first after `firstDelayMs`, on a drift-free schedule (late ticks are skipped, not bunched). */
  start(firstDelayMs: number, intervalMs: number): void {
    this.#stopTimer();
    const anchor = performance.now() + firstDelayMs;
    let k = 0;
    const tick = (): void => {
      this.report().catch((err: unknown) => {
        this.#ledger.error();
        this.#log.debug({ err }, 'report failed');
      });
      k = Math.max(k + 1, Math.ceil((performance.now() - anchor) / intervalMs));
      this.#timer = setTimeout(tick, Math.max(0, anchor + k * intervalMs - performance.now()));
    };
    this.#timer = setTimeout(tick, firstDelayMs);
  }

  /** Stops reporting, delivers a held-back reading, waits for acks (≤ timeoutMs), says offline and disconnects. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.#stopTimer();
    const client = this.#client;
    if (!client) return;
    if (client.connected) for (const o of this.#injector.drain()) void this.#publish(client, o);
    const waitAll = Promise.all([...this.#inFlight]);
    const status = client.connected ? client.publishAsync(deviceTopic(this.id, 'status'), OFFLINE, { qos: 1, retain: true }) : null;
    await withTimeout(Promise.all([waitAll, status]), timeoutMs);
    await client.endAsync(!client.connected);
    this.#client = null;
  }

  /** Drops the connection without DISCONNECT, like a device losing power: the broker publishes the will. */
  async crash(): Promise<void> {
    this.#stopTimer();
    const client = this.#client;
    this.#client = null;
    if (client) await client.endAsync(true);
  }

  stats(): DeviceStats {
    return { connected: this.#client?.connected ?? false, ...this.#ledger.counters() };
  }

  /** What was published, oldest first (the most recent `recordLimit`). */
  records(): readonly SentRecord[] {
    return this.#ledger.records();
  }

  /** Rejections received on `devices/{id}/errors`, oldest first (the most recent 1,000). */
  rejections(): readonly DeviceErrorMessage[] {
    return this.#ledger.rejections();
  }

  /** The seq the next reading will carry. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  #publish(client: MqttClient, o: Outgoing): Promise<void> {
    const record = this.#ledger.sent(o);
    const p = new Promise<void>((resolve) => {
      client.publish(deviceTopic(this.id, 'telemetry'), o.payload, { qos: 1 }, (err) => {
        if (err) {
          this.#ledger.error();
          this.#log.debug({ err, seq: o.seq }, 'publish failed');
        } else {
          this.#ledger.acked(record);
        }
        resolve();
      });
    });
    this.#inFlight.add(p);
    void p.then(() => this.#inFlight.delete(p));
    return p;
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The rules engine's two broker connections, both as `svc:rules` (broker/acl.ts: may subscribe
 * `devices/+/telemetry` and publish `alerts/#`):
 * - telemetry: a persistent session (`clean: false`, client id `svc:rules`), so readings published while the engine
 *   restarts wait at the broker [MQTT-3.1.2-4]; subscribed whenever CONNACK says the broker holds no session
 *   [MQTT-3.2.2-2]. The PUBACK of a reading goes out only after the engine has evaluated it (mqtt.js sends it when
 *   `handleMessage` calls back), so a crash mid-evaluation redelivers it; evaluation is idempotent (a condition
 *   ignores observations not newer than its last one).
 * - alerts: a separate clean session (`svc:rules-alerts`) for the alert publisher. It must not share the telemetry
 *   connection: mqtt.js reads one incoming packet at a time, so waiting in `handleMessage` for the PUBACK of an alert
 *   published on the same connection would wait for ever.
 */
import { connect, type IConnackPacket, type MqttClient } from 'mqtt';
import { ALL_TELEMETRY } from '../../contracts/topics.ts';
import type { Logger } from '../../platform/logger.ts';
import { endGracefully } from '../../platform/mqtt-end.ts';

/** Principal and client id of the engine's telemetry session; the broker's ACL knows it by this name. */
export const RULES_PRINCIPAL = 'svc:rules';
export const RULES_ALERTS_CLIENT_ID = 'svc:rules-alerts';

export interface TelemetryConnection {
  connected(): boolean;
  /** Disconnects, keeping the broker-side session. */
  close(): Promise<void>;
}

/**
 * Nagle's algorithm holds a small second write (mqtt.js writes a PUBLISH's header and body separately) until the
 * first is acknowledged, and the peer delays that ACK by up to 40 ms: every QoS 1 round trip then costs ~44 ms and
 * the serial alert dispatcher tops out near 20 events/s. Alerts are latency-critical (issue 3: 2 s), so turn it off.
 */
function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (on: boolean) => void } | undefined;
  stream?.setNoDelay?.(true);
}

const end = (client: MqttClient): Promise<void> => endGracefully(client);

export function connectTelemetry(opts: {
  url: string;
  password: string;
  logger: Logger;
  /** Called once per message, in order; the message is acknowledged when the promise settles. */
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  reconnectPeriodMs?: number;
}): TelemetryConnection {
  const log = opts.logger.child({ module: 'rules-telemetry' });
  const client = connect(opts.url, {
    clientId: RULES_PRINCIPAL,
    username: RULES_PRINCIPAL,
    password: opts.password,
    protocolVersion: 4,
    clean: false,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: opts.reconnectPeriodMs ?? 1000,
    resubscribe: false,
  });
  client.on('connect', (connack: IConnackPacket) => {
    noDelay(client);
    log.info({ sessionPresent: connack.sessionPresent }, 'rules engine connected to broker');
    if (connack.sessionPresent) return;
    client.subscribe(ALL_TELEMETRY, { qos: 1 }, (err, granted) => {
      const qos = granted?.[0]?.qos;
      if (err || qos === undefined || qos > 2) log.error({ err: err?.message, granted }, `subscription to ${ALL_TELEMETRY} refused; device rules will not run`);
    });
  });
  client.handleMessage = (packet, callback) => {
    const topic = packet.cmd === 'publish' ? packet.topic : '';
    const payload = packet.cmd === 'publish' ? (typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload) : Buffer.alloc(0);
    opts.onMessage(topic, payload).then(
      () => callback(),
      (err: unknown) => {
        log.error({ err, topic }, 'device rules failed on a reading');
        callback();
      },
    );
  };
  client.on('error', (err) => log.warn({ err: err.message }, 'broker connection error'));
  return { connected: () => client.connected, close: () => end(client) };
}

/** Connects the alert publisher's client; resolves once connected (mqtt.js keeps reconnecting after that). */
export function connectAlertsClient(opts: { url: string; password: string; logger: Logger; timeoutMs?: number }): Promise<{ client: MqttClient; close(): Promise<void> }> {
  const log = opts.logger.child({ module: 'rules-alerts-mqtt' });
  const client = connect(opts.url, {
    clientId: RULES_ALERTS_CLIENT_ID,
    username: RULES_PRINCIPAL,
    password: opts.password,
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: 1000,
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'broker connection error'));
  client.on('connect', () => noDelay(client));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void end(client);
      reject(new Error(`alert publisher: no CONNACK from ${opts.url} within ${opts.timeoutMs ?? 10_000} ms`));
    }, opts.timeoutMs ?? 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve({ client, close: () => end(client) });
    });
  });
}

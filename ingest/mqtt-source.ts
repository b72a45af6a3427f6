/**
 * The MQTT side of ingest: a persistent-session subscriber whose messages come out as an AsyncIterable
 * (STYLE principle 2), plus the return channel that tells a device why a reading was refused.
 *
 * - `clean: false` with a stable clientId: the broker keeps the session and queues QoS 1 messages while ingest
 *   is away, delivering them on reconnect (MQTT 3.1.1 §3.1.2.4, [MQTT-3.1.2-4], [MQTT-3.1.2-5]).
 * - The subscription is (re)sent whenever the broker answers CONNACK with sessionPresent = 0, i.e. it has no
 *   state for us (first start, or a broker that lost its sessions) [MQTT-3.2.2-2]; with sessionPresent = 1 the
 *   broker still holds it.
 * - Reconnects use capped exponential backoff with jitter (mqtt.js's own reconnect has a fixed period). Its
 *   message stores are carried across reconnects so unacknowledged error publishes are resent.
 * - PUBACK only once ingest has decided the message (durable in the spool, or refused): `ack-gate.ts`. mqtt.js
 *   handles one incoming PUBLISH at a time and sends its PUBACK from `handleMessage`'s callback
 *   (node_modules/mqtt/build/lib/handlers/publish.js); waiting there for a disk write would serialise every
 *   message behind one fdatasync. So `handleMessage` calls back at once (unless the consumer is `highWaterMark`
 *   messages behind) and the gate holds the PUBACK itself back until the message's `ack()`.
 */
import { connect, type IConnackPacket, type MqttClient } from 'mqtt';
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import { ALL_TELEMETRY, deviceTopic } from '../contracts/topics.ts';
import type { Logger } from '../platform/logger.ts';
import { endGracefully } from '../platform/mqtt-end.ts';
import { createAsyncChannel } from './async-channel.ts';
import { backoffDelayMs, type BackoffPolicy } from './backoff.ts';
import type { IncomingMessage } from './incoming-message.ts';
import { gatePubacks } from './ack-gate.ts';

export interface MqttSourceOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  logger: Logger;
  /** Stamps `receivedAtMs`; default Date.now. */
  clock?: () => number;
  /** Messages buffered before PUBACKs are held back; default 10 000. */
  highWaterMark?: number;
  reconnect?: BackoffPolicy;
  /**
   * Scale-out: several ingest workers share the telemetry through an MQTT 5 shared subscription
   * (`$share/{group}/devices/+/telemetry`) on a broker that has them (EMQX, Mosquitto; not aedes). Unset: MQTT 3.1.1
   * and a plain subscription, one consumer.
   */
  shareGroup?: string | undefined;
}

/** The subscription filter: plain, or shared by a group of workers [MQTT-4.8.2]. */
export function telemetryFilter(shareGroup: string | undefined): string {
  return shareGroup ? `$share/${shareGroup}/${ALL_TELEMETRY}` : ALL_TELEMETRY;
}

export interface MqttSource {
  /** Single consumer. Ends after `close()`, once the messages already received have been taken. */
  messages: AsyncIterable<IncomingMessage>;
  /** QoS 1, not retained, on `devices/{id}/errors`. Resolves on PUBACK (waits across a reconnect). */
  publishError(deviceId: string, msg: DeviceErrorMessage): Promise<void>;
  connected(): boolean;
  /** Disconnects (keeping the broker-side session) and ends `messages`. */
  close(): Promise<void>;
}

const DEFAULT_RECONNECT: BackoffPolicy = { initialMs: 250, maxMs: 30_000 };

export function createMqttSource(opts: MqttSourceOptions): MqttSource {
  const logger = opts.logger.child({ stage: 'mqtt-source', clientId: opts.clientId });
  const clock = opts.clock ?? Date.now;
  const backoff = opts.reconnect ?? DEFAULT_RECONNECT;
  const channel = createAsyncChannel<IncomingMessage>({ highWaterMark: opts.highWaterMark ?? 10_000 });
  let closing = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const client: MqttClient = connect(opts.url, {
    clientId: opts.clientId,
    username: opts.username,
    password: opts.password,
    // MQTT 5 only for shared subscriptions; a session then outlives a disconnect only with an expiry interval.
    ...(opts.shareGroup ? { protocolVersion: 5 as const, properties: { sessionExpiryInterval: 7 * 24 * 3600 } } : { protocolVersion: 4 as const }),
    clean: false,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: 0, // reconnects are scheduled below, with backoff
    resubscribe: false, // subscriptions follow sessionPresent, below
  });

  client.on('connect', (connack: IConnackPacket) => {
    attempt = 0;
    logger.info({ sessionPresent: connack.sessionPresent }, 'connected to broker');
    if (connack.sessionPresent) return;
    const filter = telemetryFilter(opts.shareGroup);
    client.subscribe(filter, { qos: 1 }, (err, granted) => {
      const qos = granted?.[0]?.qos;
      if (err || qos === undefined || qos > 2) {
        logger.error({ err: err?.message, granted }, `subscription to ${filter} refused; no telemetry will arrive`);
      }
    });
  });
  const gate = gatePubacks(client);
  client.on('message', (topic, payload, packet) => {
    channel.push({ topic, payload, receivedAtMs: clock(), ack: gate.hold(packet) });
  });
  client.handleMessage = (_packet, callback) => {
    void channel.room().then(() => callback());
  };
  client.on('error', (err) => logger.warn({ err: err.message }, 'broker connection error'));
  client.on('close', () => {
    if (closing || reconnectTimer !== undefined) return;
    const delay = backoffDelayMs(attempt++, backoff);
    logger.debug({ delayMs: Math.round(delay), attempt }, 'broker connection closed; reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (closing) return;
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  });

  return {
    messages: channel,
    async publishError(deviceId, msg) {
      await client.publishAsync(deviceTopic(deviceId, 'errors'), JSON.stringify(msg), { qos: 1, retain: false });
    },
    connected: () => client.connected,
    async close() {
      closing = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      await endGracefully(client);
      channel.close();
    },
  };
}

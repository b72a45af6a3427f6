/**
 * The VectorWatch MQTT broker: aedes with device authentication and the deny-by-default topic ACL wired
 * into its hooks (node_modules/aedes/docs/Aedes.md). Returns a broker that serves whatever Duplex it is
 * handed; opening sockets is `listen.ts`'s job, reading config is `main.ts`'s (STYLE.md principles 1–2).
 *
 * Hook semantics that shaped this file:
 * - `authenticate` runs before the client is registered, so a refused CONNECT cannot kick an existing
 *   session off [MQTT-3.1.4-2]; an error's `returnCode` (2–5) becomes the CONNACK code.
 * - `authorizePublish` calling back with an error closes the connection, and MQTT 3.1.1 has no negative
 *   PUBACK [MQTT-3.3.5-2], aedes #210. We want a refused publish dropped without a reconnect loop, so
 *   instead of an error we divert the packet to a reserved topic nobody can subscribe to (see `divert`).
 * - `authorizeSubscribe` calling back with a null subscription yields SUBACK 0x80 and keeps the client
 *   connected (an error would disconnect it, and clients then reconnect forever: aedes #48). It is also
 *   called when a persistent session's subscriptions are restored, so stored filters are re-checked.
 * - `authorizeForward` runs for every outgoing packet (live, queued and retained).
 */
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import type { Registry } from 'prom-client';
import type { DeviceAuthenticator } from '../contracts/registry.ts';
import { deviceTopic, parseDeviceTopic } from '../contracts/topics.ts';
import type { Logger } from '../platform/logger.ts';
import { mayReceive, publishDenial, subscribeDenial } from './acl.ts';
import { CONNACK_RETURN_CODES, createConnectAuthenticator } from './authenticate-connect.ts';
import { createBrokerMetrics, type PublishDenial } from './metrics.ts';
import type { BrokerLimits } from './limits/broker-limits.ts';
import { describePrincipal, type Principal } from './principal.ts';
import { createTelemetryGate, type AcceptTelemetry } from './telemetry-gate.ts';

const whoIs = (principal: Principal | undefined, client: Client): string => (principal ? describePrincipal(principal) : `client:${client.id}`);

/** 256 KiB: outer bound only; ingest refuses telemetry above MAX_PAYLOAD_BYTES (8 KiB) with TOO_LARGE. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 262_144;

/**
 * Where refused publishes go. `$`-topics are never matched by `#`/`+` filters [MQTT-4.7.2-1], the ACL lets
 * nobody subscribe to or receive a `$` topic, and the packet is stripped of payload and retain flag.
 */
export const DROPPED_TOPIC = '$vectorwatch/dropped';

export interface BrokerDeps {
  /** contracts/registry.ts: verifyDevice(id, password) → 'ok' | 'unknown' | 'disabled' | 'bad_password'. */
  devices: DeviceAuthenticator;
  /** Shared secret of the service principals (`svc:ingest`, `svc:rules`, `svc:api`); at least 16 characters. */
  servicePassword: string;
  logger: Logger;
  metrics?: Registry;
  /** Hard cap on a PUBLISH or will payload at the broker. Default `DEFAULT_MAX_PAYLOAD_BYTES`. */
  maxPayloadBytes?: number;
  /** Packet size, connection, ban and publish-rate limits (`limits/broker-limits.ts`). Default: none. */
  limits?: BrokerLimits;
  /**
   * Embedded ingest (INGEST_MODE=embedded): decides each device telemetry PUBLISH before aedes acknowledges it, so
   * the device's PUBACK means durable or refused (`telemetry-gate.ts`). Default: none (acknowledged on receipt).
   */
  acceptTelemetry?: AcceptTelemetry;
}

/** Where a connection comes from, for the per-address limits; `handle` reads `remoteAddress` of sockets itself. */
export interface PeerInfo {
  address?: string | undefined;
}

export interface VectorBroker {
  aedes: Aedes;
  /** Serves one MQTT connection over any Duplex (a TCP socket, a WebSocket stream, a test pair). */
  handle(stream: Duplex, peer?: PeerInfo): void;
  connectedClients(): number;
  /**
   * Closes the live session of a device, if any; returns whether one was open. Credentials are checked only at
   * CONNECT, so call this when a device is disabled or its password rotated: its next CONNECT is re-checked.
   */
  disconnectDevice(deviceId: string): boolean;
  /** Disconnects every client and stops the broker. Close listeners first so nobody reconnects. */
  close(): Promise<void>;
}

export async function createBroker(deps: BrokerDeps): Promise<VectorBroker> {
  const log = deps.logger.child({ module: 'broker' });
  const maxPayloadBytes = deps.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
    throw new TypeError(`maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`);
  }
  const authenticateConnect = createConnectAuthenticator({
    devices: deps.devices,
    servicePassword: deps.servicePassword,
    maxPayloadBytes,
  });
  /** Set once by `authenticate`; every authorize hook reads it. A client without one is denied everything. */
  const principals = new WeakMap<Client, Principal>();
  /** aedes hands `authenticate` only username and password; the client id and will come from here. */
  const connectPackets = new WeakMap<Client, ConnectPacket>();
  /** Live device sessions, for `disconnectDevice`. */
  const deviceClients = new Map<string, Client>();
  /** Remote address of each connection handed to aedes, for the ban and rate limits. */
  const peerAddresses = new WeakMap<object, string | undefined>();
  const limits = deps.limits;
  let connected = (): number => 0;
  const metrics = createBrokerMetrics(deps.metrics, () => connected());
  const gateTelemetry = deps.acceptTelemetry
    ? createTelemetryGate(deps.acceptTelemetry, (packet) => {
        packet.topic = DROPPED_TOPIC; // delivered to nobody; ingest has counted and answered it
        packet.payload = Buffer.alloc(0);
      })
    : undefined;

  /** Per device id: its telemetry topic, and whether the ACL lets the device publish there (it does). */
  const ownTelemetryTopics = new Map<string, { topic: string; allowed: boolean }>();
  function isOwnTelemetry(principal: Principal & { type: 'device' }, topic: string): boolean {
    let own = ownTelemetryTopics.get(principal.id);
    if (own === undefined) {
      const ownTopic = deviceTopic(principal.id, 'telemetry');
      own = { topic: ownTopic, allowed: publishDenial(principal, ownTopic) === null };
      if (ownTelemetryTopics.size >= 100_000) ownTelemetryTopics.clear(); // a bound, not a cache policy
      ownTelemetryTopics.set(principal.id, own);
    }
    return own.allowed && topic === own.topic;
  }

  function divert(packet: PublishPacket, reason: PublishDenial, who: string, topic: string): void {
    metrics.publishesDenied.inc({ reason });
    log.debug({ principal: who, topic, reason }, 'publish dropped');
    packet.topic = DROPPED_TOPIC;
    packet.payload = Buffer.alloc(0);
    packet.retain = false;
  }

  const aedes = await Aedes.createBroker({
    preConnect(client, packet, callback) {
      connectPackets.set(client, packet);
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      const packet = connectPackets.get(client);
      connectPackets.delete(client);
      const address = peerAddresses.get(client.conn);
      const throttled = limits?.checkConnect(address, username) ?? null;
      if (throttled !== null) {
        // CONNACK 3 "server unavailable": try later. The password is not looked at (no oracle, no registry cost).
        done(Object.assign(new Error(`connection refused: ${throttled}`), { returnCode: CONNACK_RETURN_CODES.serverUnavailable }), false);
        return;
      }
      const decision = authenticateConnect({
        clientId: packet?.clientId ?? '',
        username,
        password,
        will: packet?.will,
      });
      metrics.connections.inc({ result: decision.result });
      limits?.recordConnect(address, username, decision.result);
      if (decision.result === 'accepted') {
        principals.set(client, decision.principal);
        log.debug({ principal: describePrincipal(decision.principal), clientId: client.id }, 'client authenticated');
        done(null, true);
        return;
      }
      if (decision.result === 'auth_unavailable') {
        log.error({ err: decision.error, username }, 'device authenticator failed; connection refused');
      } else {
        log.info({ username, clientId: packet?.clientId, result: decision.result }, 'connection refused');
      }
      done(Object.assign(new Error(`connection refused: ${decision.result}`), { returnCode: decision.returnCode }), false);
    },

    authorizePublish(client, packet, callback) {
      const topic = packet.topic;
      if (client === null) {
        // Only a will whose client is gone arrives here (shared persistence, another broker instance died).
        // Wills were checked against their principal at CONNECT; keep the device-status ones, drop the rest.
        if (parseDeviceTopic(topic)?.channel !== 'status') divert(packet, 'unauthenticated', 'unknown', topic);
        callback(null);
        return;
      }
      const principal = principals.get(client);
      // A device publishing its own telemetry (nearly every packet): that topic's ACL verdict is computed once per
      // device, not split and matched per reading (issue 7 profile).
      const ownTelemetry = principal?.type === 'device' && isOwnTelemetry(principal, topic);
      const reason: PublishDenial | null = !principal
        ? 'unauthenticated'
        : ((ownTelemetry ? null : publishDenial(principal, topic)) ??
          (Buffer.byteLength(packet.payload) > maxPayloadBytes ? 'too_large' : null));
      if (reason !== null) {
        divert(packet, reason, whoIs(principal, client), topic);
      } else if (ownTelemetry || parseDeviceTopic(topic)?.channel === 'telemetry') {
        // Telemetry is a stream of readings, never state: a retained reading would be replayed as new.
        packet.retain = false;
        if (gateTelemetry && principal?.type === 'device') {
          const acknowledge = callback;
          const deviceId = principal.id;
          callback = (err) => (err ? acknowledge(err) : gateTelemetry(client, deviceId, packet, acknowledge));
        }
      }
      // Publish rate (devices only): hold the packet instead of dropping it. aedes reads the next chunk of a
      // client's socket only after every packet of the current one is handled, so holding is backpressure
      // on that device alone and costs no memory; a QoS 1 device sees its PUBACKs slow down, nothing is lost.
      const delay = principal?.type === 'device' && limits ? limits.publishDelay(principal.id, Buffer.byteLength(packet.payload)) : 0;
      if (delay === 'disconnect') {
        log.info({ principal: whoIs(principal, client) }, 'connection closed: sustained publishing far above the rate limit');
        callback(new Error('publish rate limit exceeded'));
      } else if (delay > 0) {
        setTimeout(() => callback(client.closed ? new Error('client closed while its publish was held') : null), delay);
      } else {
        callback(null);
      }
    },

    authorizeSubscribe(client, sub: Subscription, callback) {
      const principal = principals.get(client);
      const reason = principal ? subscribeDenial(principal, sub.topic) : 'unauthenticated';
      if (reason === null) {
        callback(null, sub);
        return;
      }
      metrics.subscriptionsDenied.inc({ reason });
      log.debug({ principal: principal ? describePrincipal(principal) : client.id, filter: sub.topic, reason }, 'subscription refused');
      callback(null, null);
    },

    authorizeForward(client, packet: AedesPublishPacket) {
      const principal = principals.get(client);
      if (principal && mayReceive(principal, packet.topic)) return packet;
      metrics.forwardsDenied.inc();
      log.warn({ clientId: client.id, topic: packet.topic }, 'delivery withheld by re-check: subscribe ACL let it through');
      return null;
    },
  });
  connected = () => aedes.connectedClients;

  // 'client' fires when the session is registered, before CONNACK ('clientReady' only after the offline queue
  // is flushed), so a device that has seen its CONNACK can always be found by `disconnectDevice`.
  aedes.on('client', (client) => {
    const principal = principals.get(client);
    if (principal?.type === 'device') deviceClients.set(principal.id, client);
  });
  aedes.on('clientReady', (client) => log.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => {
    const principal = principals.get(client);
    // A takeover registers the new client before the old one's disconnect fires: remove only our own entry.
    if (principal?.type === 'device' && deviceClients.get(principal.id) === client) deviceClients.delete(principal.id);
    log.debug({ clientId: client.id }, 'client disconnected');
  });
  // Protocol errors and refused CONNECTs land here; the refusal is already logged and counted above.
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client.id, err }, 'connection error'));
  // aedes emits 'error' from its will sweeper; unhandled it would crash the process.
  (aedes as EventEmitter).on('error', (err: unknown) => log.error({ err }, 'broker error'));

  return {
    aedes,
    handle(stream, peer) {
      const address = peer?.address ?? (stream as { remoteAddress?: string }).remoteAddress;
      const conn = limits ? limits.admit(stream, address) : stream;
      if (conn === null) return;
      peerAddresses.set(conn, address);
      aedes.handle(conn);
    },
    connectedClients: () => aedes.connectedClients,
    disconnectDevice(deviceId) {
      const client = deviceClients.get(deviceId);
      if (!client) return false;
      deviceClients.delete(deviceId);
      log.info({ deviceId }, 'device session closed by request');
      client.close();
      return true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        aedes.close(() => resolve());
      }),
  };
}

/**
 * The broker's protective limits in one object, injected into `createBroker` (`BrokerDeps.limits`):
 *
 * | limit                     | unit                         | over the limit                                          |
 * |---------------------------|------------------------------|---------------------------------------------------------|
 * | maxPacketBytes            | per packet                   | connection closed after ≤ 5 bytes of the packet         |
 * | maxConnectionsPerAddress  | open sockets per address     | socket closed at accept, before any MQTT                |
 * | connectsPerMin            | per (address, username)      | CONNACK 3, password not checked                         |
 * | authFailuresBeforeBan     | per (address, username)      | banned for authBanMs: CONNACK 3, password not checked   |
 * | authFailuresPerAddress…   | per address (not `svc:…`)    | banned for authBanMs: CONNACK 3                         |
 * | publishRatePerS + burst   | per device (across its       | publishes delayed (backpressure); closed if > 30 s owed |
 * | publishBytesPerS + burst  | connections): messages, and  |                                                         |
 * |                           | payload bytes                |                                                         |
 *
 * Every refusal is counted (`vectorwatch_broker_limit_refusals_total{limit}`), every ban
 * (`vectorwatch_broker_auth_bans_total{scope}`) and every delayed publish
 * (`vectorwatch_broker_publishes_delayed_total`). Time comes from the injected clock.
 */
import type { Duplex } from 'node:stream';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger.ts';
import type { ConnectResult } from '../authenticate-connect.ts';
import { addressKey } from './address-key.ts';
import { ConnectGate, type BanScope, type ConnectThrottle, type CredentialOutcome } from './connect-gate.ts';
import { guardFrames } from './frame-guard.ts';
import { TokenBucket } from './token-bucket.ts';

export interface BrokerLimitsConfig {
  maxPacketBytes: number;
  /** 0: no limit. */
  maxConnectionsPerAddress: number;
  /** 0: no limit. */
  connectsPerMin: number;
  /** 0: no ban. */
  authFailuresBeforeBan: number;
  /** 0: no ban. */
  authFailuresPerAddressBeforeBan: number;
  authBanMs: number;
  /** 0: no limit. */
  publishRatePerS: number;
  publishBurst: number;
  /** Payload bytes per second per device; 0: no limit. Default (absent) 0. */
  publishBytesPerS?: number;
  /** Payload bytes a device may send at once above the byte rate. */
  publishBytesBurst?: number;
  /** A connection owing more publish budget than this is closed. Default MAX_PUBLISH_DELAY_MS. */
  maxPublishDelayMs?: number;
}

/** A device's publish budget: messages and payload bytes, each absent when its limit is off. */
interface PublishBudget {
  messages: TokenBucket | undefined;
  bytes: TokenBucket | undefined;
}

/** Each table of the connect gate holds at most this many keys (see `connect-gate.ts`). */
export const MAX_TRACKED_KEYS = 10_000;
/** A connection owing more than this much publish budget is abusive, not bursty: it is closed. */
export const MAX_PUBLISH_DELAY_MS = 30_000;

/** Why the broker refused or closed something because of a limit; a metric label, so values are stable. */
export type LimitRefusal = 'max_packet_bytes' | 'connections_per_address' | ConnectThrottle | 'publish_rate';
const LIMIT_REFUSALS: readonly LimitRefusal[] = ['max_packet_bytes', 'connections_per_address', 'auth_ban', 'connect_rate', 'publish_rate'];
const BAN_SCOPES: readonly BanScope[] = ['address', 'address_username'];

export interface BrokerLimits {
  readonly config: Readonly<BrokerLimitsConfig>;
  /**
   * A new connection from `address`: null when refused (the stream is already destroyed), else the stream to
   * hand to aedes, wrapped by the packet-size guard.
   */
  admit(stream: Duplex, address: string | undefined): Duplex | null;
  /** Before the credential check: why the CONNECT is refused, or null to go on. */
  checkConnect(address: string | undefined, username: string | undefined): ConnectThrottle | null;
  /** After the credential check. */
  recordConnect(address: string | undefined, username: string | undefined, result: ConnectResult): void;
  /**
   * Before a device's PUBLISH is processed: milliseconds to hold it (0: go on at once), or 'disconnect' when
   * the device is so far over its rate that it is abuse. The budget belongs to the device, not to the connection:
   * a device closed for abuse that reconnects at once still owes what it owed, and gets no fresh burst.
   */
  publishDelay(deviceId: string, payloadBytes: number): number | 'disconnect';
  /** Keys held by the ban and connect-rate tables (bounded by 3 × MAX_TRACKED_KEYS). */
  trackedKeys(): number;
  /** Open connections counted against per-address limits, by address key. */
  openConnections(): number;
}

export interface BrokerLimitsDeps {
  logger: Logger;
  metrics?: Registry | undefined;
  /** Milliseconds; default Date.now. */
  clock?: () => number;
}

/** Which CONNECT results are failed logins for the bans: a wrong secret or a name that does not exist. */
const OUTCOME_BY_RESULT: Readonly<Record<ConnectResult, CredentialOutcome>> = {
  accepted: 'accepted',
  missing_credentials: 'failed',
  unknown_device: 'failed',
  bad_password: 'failed',
  unknown_service: 'failed',
  // These proved the secret (or never checked it): not guessing.
  disabled_device: 'neutral',
  client_id_mismatch: 'neutral',
  will_denied: 'neutral',
  auth_unavailable: 'neutral',
};

export function createBrokerLimits(config: BrokerLimitsConfig, deps: BrokerLimitsDeps): BrokerLimits {
  if (!Number.isInteger(config.maxPacketBytes) || config.maxPacketBytes < 64) {
    throw new RangeError(`maxPacketBytes must be an integer >= 64, got ${config.maxPacketBytes}`);
  }
  const log = deps.logger.child({ module: 'broker-limits' });
  const bytesPerS = config.publishBytesPerS ?? 0;
  const limitsMessages = config.publishRatePerS > 0;
  const limitsBytes = bytesPerS > 0;
  const now = deps.clock ?? Date.now;
  const gate = new ConnectGate({
    authFailuresBeforeBan: config.authFailuresBeforeBan,
    authFailuresPerAddressBeforeBan: config.authFailuresPerAddressBeforeBan,
    authBanMs: config.authBanMs,
    connectsPerMin: config.connectsPerMin,
    maxTrackedKeys: MAX_TRACKED_KEYS,
  });
  const open = new Map<string, number>();
  // Keyed by authenticated device id, so bounded by the registry, not by what a client sends. A bucket that is full
  // again remembers nothing and is dropped by the sweep, which runs when the map has doubled since the last one.
  const buckets = new Map<string, PublishBudget>();
  let sweepAt = 1024;
  const sweepFullBuckets = (nowMs: number) => {
    for (const [id, budget] of buckets) if (budget.messages?.full(nowMs) !== false && budget.bytes?.full(nowMs) !== false) buckets.delete(id);
    sweepAt = Math.max(1024, buckets.size * 2);
  };

  const registers = deps.metrics ? [deps.metrics] : [];
  const refusals = new Counter({
    name: 'vectorwatch_broker_limit_refusals_total',
    help: 'connections or CONNECTs refused, or connections closed, because a broker limit was exceeded, by limit',
    labelNames: ['limit'],
    registers,
  });
  const bans = new Counter({
    name: 'vectorwatch_broker_auth_bans_total',
    help: 'temporary bans imposed after repeated authentication failures, by scope',
    labelNames: ['scope'],
    registers,
  });
  const delayed = new Counter({
    name: 'vectorwatch_broker_publishes_delayed_total',
    help: 'device PUBLISH packets held back by the per-connection publish rate (delayed, not dropped)',
    registers,
  });
  new Gauge({
    name: 'vectorwatch_broker_limit_tracked_keys',
    help: 'entries held by the ban and connect-rate tables (bounded)',
    registers,
    collect() {
      this.set(gate.trackedKeys());
    },
  });
  new Gauge({
    name: 'vectorwatch_broker_publish_rate_devices',
    help: 'devices with a publish budget in the table (those that published lately; full budgets are swept once it doubles)',
    registers,
    collect() {
      this.set(buckets.size);
    },
  });
  for (const limit of LIMIT_REFUSALS) refusals.inc({ limit }, 0);
  for (const scope of BAN_SCOPES) bans.inc({ scope }, 0);

  return {
    config: Object.freeze({ ...config }),

    admit(stream, address) {
      const key = addressKey(address);
      const count = open.get(key) ?? 0;
      if (config.maxConnectionsPerAddress > 0 && count >= config.maxConnectionsPerAddress) {
        refusals.inc({ limit: 'connections_per_address' });
        log.debug({ address: key, open: count }, 'connection refused: too many from this address');
        stream.destroy();
        return null;
      }
      open.set(key, count + 1);
      stream.once('close', () => {
        const left = (open.get(key) ?? 1) - 1;
        if (left <= 0) open.delete(key);
        else open.set(key, left);
      });
      return guardFrames(stream, {
        maxPacketBytes: config.maxPacketBytes,
        onOversized(bytes) {
          refusals.inc({ limit: 'max_packet_bytes' });
          log.info({ address: key, announcedBytes: bytes, maxPacketBytes: config.maxPacketBytes }, 'connection closed: packet too large');
        },
      });
    },

    checkConnect(address, username) {
      const throttle = gate.check(address, username, now());
      if (throttle !== null) {
        refusals.inc({ limit: throttle });
        log.debug({ address: addressKey(address), username, limit: throttle }, 'CONNECT refused by limit');
      }
      return throttle;
    },

    recordConnect(address, username, result) {
      for (const scope of gate.record(address, username, OUTCOME_BY_RESULT[result], now())) {
        bans.inc({ scope });
        log.info({ address: addressKey(address), username: scope === 'address' ? undefined : username, scope, banMs: config.authBanMs }, 'temporary ban after repeated authentication failures');
      }
    },

    publishDelay(deviceId, payloadBytes) {
      if (!limitsMessages && !limitsBytes) return 0;
      const nowMs = now();
      let budget = buckets.get(deviceId);
      if (budget === undefined) {
        if (buckets.size >= sweepAt) sweepFullBuckets(nowMs);
        budget = {
          messages: limitsMessages ? new TokenBucket({ ratePerS: config.publishRatePerS, burst: Math.max(1, config.publishBurst) }, nowMs) : undefined,
          bytes: limitsBytes ? new TokenBucket({ ratePerS: bytesPerS, burst: Math.max(1, config.publishBytesBurst ?? 1) }, nowMs) : undefined,
        };
        buckets.set(deviceId, budget);
      }
      const wait = Math.max(budget.messages?.waitFor(nowMs) ?? 0, budget.bytes?.waitFor(nowMs, payloadBytes) ?? 0);
      // A refused publish books nothing: the debt a closed device carries into its next connection is what it
      // was allowed to send, never what it tried to.
      if (wait > (config.maxPublishDelayMs ?? MAX_PUBLISH_DELAY_MS)) {
        refusals.inc({ limit: 'publish_rate' });
        return 'disconnect';
      }
      budget.messages?.reserve(nowMs);
      budget.bytes?.reserve(nowMs, payloadBytes);
      if (wait > 0) delayed.inc();
      return wait;
    },

    trackedKeys: () => gate.trackedKeys(),
    openConnections: () => [...open.values()].reduce((a, b) => a + b, 0),
  };
}

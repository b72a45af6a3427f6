/**
 * Broker metrics (prom-client). Registered on the injected registry only: without one they still count
 * (tests read them) but appear nowhere, so two brokers in one process never clash on names.
 * Every refusal and every dropped publish is counted with a reason (STYLE.md principle 8).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AclDenial } from './acl.ts';
import type { ConnectResult } from './authenticate-connect.ts';

/** Why a PUBLISH was dropped: the ACL's reasons plus the broker's size cap. */
export type PublishDenial = AclDenial | 'too_large' | 'unauthenticated';

export interface BrokerMetrics {
  connections: Counter<'result'>;
  publishesDenied: Counter<'reason'>;
  subscriptionsDenied: Counter<'reason'>;
  /** Outgoing packets stopped by `authorizeForward`; non-zero means the subscribe check let something through. */
  forwardsDenied: Counter;
  connectedClients: Gauge;
}

const CONNECT_RESULTS: readonly ConnectResult[] = [
  'accepted', 'missing_credentials', 'unknown_device', 'disabled_device', 'bad_password',
  'unknown_service', 'client_id_mismatch', 'will_denied', 'auth_unavailable',
];
const PUBLISH_DENIALS: readonly PublishDenial[] = ['invalid_topic', 'not_permitted', 'too_large', 'unauthenticated'];
const SUBSCRIBE_DENIALS: readonly (AclDenial | 'unauthenticated')[] = ['invalid_topic', 'not_permitted', 'unauthenticated'];

export function createBrokerMetrics(registry: Registry | undefined, connected: () => number): BrokerMetrics {
  const registers = registry ? [registry] : [];
  const metrics: BrokerMetrics = {
    connections: new Counter({
      name: 'vectorwatch_broker_connections_total',
      help: 'MQTT CONNECT attempts by result (accepted or the reason for refusal)',
      labelNames: ['result'],
      registers,
    }),
    publishesDenied: new Counter({
      name: 'vectorwatch_broker_publishes_denied_total',
      help: 'PUBLISH packets dropped by the broker, by reason (acknowledged per QoS, never delivered)',
      labelNames: ['reason'],
      registers,
    }),
    subscriptionsDenied: new Counter({
      name: 'vectorwatch_broker_subscriptions_denied_total',
      help: 'SUBSCRIBE topic filters refused with SUBACK 0x80, by reason',
      labelNames: ['reason'],
      registers,
    }),
    forwardsDenied: new Counter({
      name: 'vectorwatch_broker_forwards_denied_total',
      help: 'outgoing PUBLISH packets withheld by the delivery re-check (defence in depth)',
      registers,
    }),
    connectedClients: new Gauge({
      name: 'vectorwatch_broker_connected_clients',
      help: 'MQTT clients currently connected',
      registers,
      collect() {
        this.set(connected());
      },
    }),
  };
  // Zero-initialise every label value so dashboards and rate() see the series before the first event.
  for (const result of CONNECT_RESULTS) metrics.connections.inc({ result }, 0);
  for (const reason of PUBLISH_DENIALS) metrics.publishesDenied.inc({ reason }, 0);
  for (const reason of SUBSCRIBE_DENIALS) metrics.subscriptionsDenied.inc({ reason }, 0);
  return metrics;
}

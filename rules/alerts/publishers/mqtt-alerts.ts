/**
 * Publishes alert state on `alerts/{districtId}/{alertId}` (contracts/alert.ts) with an `mqtt` client connected
 * as `svc:rules` (broker/acl.ts lets it publish `alerts/#`; `svc:api` may subscribe). The client is injected
 * (STYLE.md principle 2); the composition root connects it.
 *
 * - Every transition of an active alert: the event, retained, QoS 1, so a late subscriber (a dashboard that
 *   starts later) sees the current state of every active alert at once.
 * - `resolved`: the event once without retain (live subscribers learn how it ended), then a zero-length retained
 *   payload, which deletes the retained message [MQTT-3.3.1-10, -11]; subscribers ignore empty payloads.
 * - A comment on a resolved alert goes out without retain, so it cannot resurrect the cleared topic.
 * `publish` resolves on PUBACK. While the broker is away mqtt.js keeps QoS 1 packets and sends them on
 * reconnect, in order; after `ackTimeoutMs` we report the event as not (yet) published.
 */
import type { MqttClient } from 'mqtt';
import { alertTopic, type AlertEvent } from '../../../contracts/alert.ts';
import type { AlertPublisher } from './publisher.ts';

export interface MqttAlertsOptions {
  client: MqttClient;
  /** Default 10 s. */
  ackTimeoutMs?: number;
}

export function createMqttAlertsPublisher(opts: MqttAlertsOptions): AlertPublisher {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;

  async function send(topic: string, payload: string, retain: boolean): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no PUBACK for ${topic} within ${ackTimeoutMs} ms`)), ackTimeoutMs);
    });
    try {
      await Promise.race([opts.client.publishAsync(topic, payload, { qos: 1, retain }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name: 'mqtt',
    async publish(event: AlertEvent) {
      const topic = alertTopic(event.alert.districtId, event.alert.id);
      const body = JSON.stringify(event);
      if (event.alert.state !== 'resolved') return send(topic, body, true);
      await send(topic, body, false);
      if (event.transition === 'resolved') await send(topic, '', true);
    },
  };
}

/**
 * The alert publishers of a deployment (docs/alerts.md), as an explicit list (STYLE principle 11): retained state on
 * MQTT `alerts/{district}/{id}` (its own `svc:rules-alerts` connection), one `alert_event` point per transition in
 * InfluxDB (batched: batched-influx-events.ts), and a signed webhook when `ALERT_WEBHOOK_URL` is set. Built by the composition root and shared by the
 * rules engine and the API, so a person's acknowledgement is published exactly like an engine transition.
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import { ConfigError, type Config } from '../../contracts/config.ts';
import type { InfluxHttp } from '../../platform/influx-http.ts';
import type { Logger } from '../../platform/logger.ts';
import { createMqttAlertsPublisher } from '../alerts/publishers/mqtt-alerts.ts';
import type { AlertPublisher } from '../alerts/publishers/publisher.ts';
import { createWebhookPublisher, type WebhookPublisher } from '../alerts/publishers/webhook.ts';
import { createBatchedInfluxEventsPublisher } from './batched-influx-events.ts';
import { connectAlertsClient } from './mqtt-connections.ts';

/** Bound on waiting for webhook deliveries at shutdown; what is still queued after it is logged and counted. */
const WEBHOOK_DRAIN_MS = 5_000;

export interface AlertPublishing {
  publishers: readonly AlertPublisher[];
  /** Drains the webhook queue (bounded), then disconnects. Call after the alert manager is idle. */
  close(): Promise<void>;
}

export async function startAlertPublishing(deps: {
  config: Pick<Config, 'ALERT_WEBHOOK_URL' | 'ALERT_WEBHOOK_SECRET'>;
  mqttUrl: string;
  servicePassword: string;
  influx: Pick<InfluxHttp, 'write'>;
  logger: Logger;
  metrics?: MetricsRegistry | undefined;
}): Promise<AlertPublishing> {
  const { config, logger } = deps;
  if (config.ALERT_WEBHOOK_URL !== undefined && config.ALERT_WEBHOOK_SECRET === undefined) {
    throw new ConfigError('Invalid configuration:\n  ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set');
  }
  const mqtt = await connectAlertsClient({ url: deps.mqttUrl, password: deps.servicePassword, logger });
  let webhook: WebhookPublisher | undefined;
  if (config.ALERT_WEBHOOK_URL !== undefined && config.ALERT_WEBHOOK_SECRET !== undefined) {
    webhook = createWebhookPublisher({ url: config.ALERT_WEBHOOK_URL, secret: config.ALERT_WEBHOOK_SECRET, logger, metrics: deps.metrics });
  }
  const influxEvents = createBatchedInfluxEventsPublisher({ influx: deps.influx, logger });
  const publishers: AlertPublisher[] = [createMqttAlertsPublisher({ client: mqtt.client }), influxEvents];
  if (webhook) publishers.push(webhook);
  return {
    publishers,
    async close() {
      if (webhook) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([webhook.drain(), new Promise<void>((r) => (timer = setTimeout(r, WEBHOOK_DRAIN_MS)))]);
        clearTimeout(timer);
        await webhook.close();
      }
      await influxEvents.close();
      await mqtt.close();
    },
  };
}

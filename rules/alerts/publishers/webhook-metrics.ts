/**
 * Webhook notifier metrics (prom-client), registered on the injected registry only, as broker/metrics.ts does.
 * Every give-up is counted with its reason (STYLE.md principle 8); a retry is counted as a retry, never a drop.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a webhook delivery was abandoned; a metric label, so values are stable. */
export type WebhookGiveUp = 'retries_exhausted' | 'rejected' | 'queue_full' | 'shutdown';

export interface WebhookMetrics {
  delivered: Counter;
  retries: Counter;
  gaveUp: Counter<'reason'>;
  queued: Gauge;
}

export function createWebhookMetrics(registry: Registry | undefined): WebhookMetrics {
  const registers = registry ? [registry] : [];
  return {
    delivered: new Counter({ name: 'vectorwatch_alert_webhook_delivered_total', help: 'alert webhook deliveries answered with 2xx', registers }),
    retries: new Counter({ name: 'vectorwatch_alert_webhook_retries_total', help: 'alert webhook attempts that will be retried', registers }),
    gaveUp: new Counter({
      name: 'vectorwatch_alert_webhook_gave_up_total',
      help: 'alert webhook deliveries abandoned, by reason (the notification is lost for this endpoint)',
      labelNames: ['reason'],
      registers,
    }),
    queued: new Gauge({ name: 'vectorwatch_alert_webhook_queued', help: 'alert webhook deliveries waiting or in flight', registers }),
  };
}

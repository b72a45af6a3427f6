/**
 * Webhook notifier: POSTs each notifying transition as JSON (contracts/alert.ts `AlertWebhookBody`), signed with
 * HMAC-SHA256 (webhook-signature.ts). Deliveries go through a bounded in-memory queue, one at a time in event
 * order, each retried with capped exponential backoff and equal jitter (Marc Brooker, "Exponential Backoff And
 * Jitter", AWS Architecture Blog, 2015) up to `maxAttempts`.
 *
 * `publish` only queues, so a slow endpoint never holds up MQTT or InfluxDB. A delivery is abandoned when the
 * endpoint refuses it (4xx other than 408/429, or a redirect), when attempts run out, when the queue is full (the
 * oldest waiting one goes) or at shutdown: each give-up is logged at ERROR and counted by reason. Receivers
 * deduplicate on `eventId` (`X-VectorWatch-Delivery`): a redelivered event carries the same id.
 *
 * By default only opened, escalated, acknowledged and resolved notify: repeat breaches (`updated`) and comments
 * would be notification spam (peers.md §2.7, thingsboard#717); they still reach MQTT and InfluxDB.
 */
import type { Registry } from 'prom-client';
import type { AlertEvent, AlertTransition } from '../../../contracts/alert.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { AlertPublisher } from './publisher.ts';
import { createWebhookMetrics, type WebhookGiveUp, type WebhookMetrics } from './webhook-metrics.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts';

export const DEFAULT_WEBHOOK_TRANSITIONS: readonly AlertTransition[] = ['opened', 'escalated', 'acknowledged', 'resolved'];

export interface WebhookOptions {
  url: string;
  secret: string;
  logger: Logger;
  metrics?: Registry | undefined;
  /** Per attempt. Default 5 s. */
  timeoutMs?: number | undefined;
  /** Attempts per delivery, the first included. Default 6. */
  maxAttempts?: number | undefined;
  initialBackoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /** Deliveries waiting at most. Default 1000. */
  maxQueue?: number | undefined;
  transitions?: readonly AlertTransition[] | undefined;
  random?: (() => number) | undefined;
  fetch?: typeof fetch | undefined;
}

export interface WebhookPublisher extends AlertPublisher {
  /** Resolves when the queue is empty and nothing is in flight. */
  drain(): Promise<void>;
  /** Stops: the attempt in flight finishes, everything still waiting is abandoned ('shutdown'). */
  close(): Promise<void>;
  readonly metrics: WebhookMetrics;
}

interface Delivery {
  event: AlertEvent;
  body: string;
}

type AttemptResult = { outcome: 'delivered' } | { outcome: 'retry' | 'rejected'; detail: string };

const isRetryableStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

export function createWebhookPublisher(opts: WebhookOptions): WebhookPublisher {
  const log = opts.logger.child({ module: 'alert-webhook', url: opts.url });
  const metrics = createWebhookMetrics(opts.metrics);
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const maxAttempts = opts.maxAttempts ?? 6;
  const initialBackoffMs = opts.initialBackoffMs ?? 1_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 60_000;
  const maxQueue = opts.maxQueue ?? 1_000;
  const transitions = new Set(opts.transitions ?? DEFAULT_WEBHOOK_TRANSITIONS);
  const random = opts.random ?? Math.random;
  const doFetch = opts.fetch ?? fetch;

  const queue: Delivery[] = [];
  let inFlight = 0;
  let worker: Promise<void> | null = null;
  let closed = false;
  const stop = new AbortController();

  const updateGauge = () => metrics.queued.set(queue.length + inFlight);

  function giveUp(d: Delivery, reason: WebhookGiveUp, detail?: string): void {
    metrics.gaveUp.inc({ reason });
    log.error({ eventId: d.event.eventId, alertId: d.event.alert.id, transition: d.event.transition, reason, detail }, 'alert webhook delivery abandoned');
  }

  function backoffMs(retry: number): number {
    const capped = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(retry, 30));
    return capped / 2 + (random() * capped) / 2;
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', done);
        resolve();
      }
      stop.signal.addEventListener('abort', done, { once: true });
    });

  async function attempt(d: Delivery): Promise<AttemptResult> {
    let res: Response;
    try {
      res = await doFetch(opts.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'VectorWatch-Alerts/1',
          [SIGNATURE_HEADER]: signWebhookBody(opts.secret, d.body),
          [EVENT_HEADER]: d.event.transition,
          [DELIVERY_HEADER]: String(d.event.eventId),
        },
        body: d.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return { outcome: 'retry', detail: (err as Error).message };
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { outcome: 'delivered' };
    return { outcome: isRetryableStatus(res.status) ? 'retry' : 'rejected', detail: `HTTP ${res.status}` };
  }

  async function deliver(d: Delivery): Promise<void> {
    for (let n = 1; ; n++) {
      const result = await attempt(d);
      if (result.outcome === 'delivered') {
        metrics.delivered.inc();
        log.debug({ eventId: d.event.eventId, attempts: n }, 'alert webhook delivered');
        return;
      }
      if (result.outcome === 'rejected') return giveUp(d, 'rejected', result.detail);
      if (n >= maxAttempts) return giveUp(d, 'retries_exhausted', result.detail);
      if (closed) return giveUp(d, 'shutdown', result.detail);
      metrics.retries.inc();
      log.warn({ eventId: d.event.eventId, attempt: n, detail: result.detail }, 'alert webhook attempt failed; will retry');
      await sleep(backoffMs(n - 1));
      if (closed) return giveUp(d, 'shutdown', result.detail);
    }
  }

  function kick(): void {
    worker ??= (async () => {
      while (!closed) {
        const d = queue.shift();
        if (d === undefined) break;
        inFlight = 1;
        updateGauge();
        await deliver(d);
        inFlight = 0;
        updateGauge();
      }
    })().finally(() => {
      worker = null;
    });
  }

  return {
    name: 'webhook',
    metrics,
    async publish(event) {
      if (!transitions.has(event.transition)) return;
      const d: Delivery = { event, body: JSON.stringify(event) };
      if (closed) return giveUp(d, 'shutdown');
      if (queue.length >= maxQueue) {
        const oldest = queue.shift();
        if (oldest) giveUp(oldest, 'queue_full');
      }
      queue.push(d);
      updateGauge();
      kick();
    },
    async drain() {
      while (worker !== null) await worker;
    },
    async close() {
      closed = true;
      stop.abort();
      for (const d of queue.splice(0)) giveUp(d, 'shutdown');
      updateGauge();
      await worker;
    },
  };
}

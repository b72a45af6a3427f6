import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertEventSchema, type AlertEvent, type AlertTransition } from '../../../contracts/alert.ts';
import { createWebhookPublisher, type WebhookPublisher } from './webhook.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';

const SECRET = 'webhook-secret-for-tests';
const T0 = Date.parse('2026-11-05T02:00:00Z');

interface Hit {
  body: string;
  headers: IncomingMessage['headers'];
}

/** A local receiver on port 0 that answers with the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.statusCode = statuses[Math.min(hits.length - 1, statuses.length - 1)] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, server };
}

const servers: Server[] = [];
const publishers: WebhookPublisher[] = [];
afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function logSink(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function event(eventId: number, transition: AlertTransition = 'opened'): AlertEvent {
  const at = new Date(T0).toISOString();
  return AlertEventSchema.parse({
    version: 1, eventId, transition, at, actor: 'system', note: null,
    alert: {
      id: `alert-${String(eventId).padStart(4, '0')}`, key: 'k', ruleId: 'density.rodent.indoor-sign-rate', kind: 'density', severity: 'major',
      state: 'open', districtId: 'chaoyang', scope: { level: 'district', id: 'chaoyang' }, value: 9, limit: 5, unit: '%',
      standard: 'GB/T 27770-2011', text: { zh: '朝阳区 室内鼠迹阳性率 9%', en: 'x' }, openedAt: at, lastSeenAt: at, count: 1, lastValue: 9,
      escalationLevel: 0, resolution: null,
    },
  });
}

function publisher(url: string, over: Partial<Parameters<typeof createWebhookPublisher>[0]> = {}): WebhookPublisher & { registry: Registry; lines: () => Record<string, unknown>[] } {
  const registry = new Registry();
  const { logger, lines } = logSink();
  const p = createWebhookPublisher({ url, secret: SECRET, logger, metrics: registry, initialBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 2000, ...over });
  publishers.push(p);
  return Object.assign(p, { registry, lines });
}

const counter = async (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string> }[];
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
};

describe('webhook publisher', () => {
  it('retries with backoff after two failures and delivers once, signed', async () => {
    const { url, hits } = await receiver([500, 503, 200]);
    const p = publisher(url);
    await p.publish(event(7));
    await p.drain();

    expect(hits).toHaveLength(3);
    const delivered = hits.at(-1)!;
    expect(verifyWebhookSignature(SECRET, delivered.body, delivered.headers['x-vectorwatch-signature'] as string)).toBe(true);
    expect(verifyWebhookSignature('wrong-secret', delivered.body, delivered.headers['x-vectorwatch-signature'] as string)).toBe(false);
    expect(verifyWebhookSignature(SECRET, `${delivered.body} `, delivered.headers['x-vectorwatch-signature'] as string)).toBe(false);
    expect(delivered.headers).toMatchObject({ 'x-vectorwatch-event': 'opened', 'x-vectorwatch-delivery': '7', 'content-type': 'application/json; charset=utf-8' });
    expect(AlertEventSchema.parse(JSON.parse(delivered.body))).toEqual(event(7));
    // Every attempt carries the same body and signature: the receiver can deduplicate on eventId.
    expect(new Set(hits.map((h) => h.body)).size).toBe(1);
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_delivered_total')).toBe(1);
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_retries_total')).toBe(2);
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_gave_up_total')).toBe(0);
  });

  it('gives up after maxAttempts, logs at ERROR and counts it, then carries on with the next event', async () => {
    const { url, hits } = await receiver([500, 500, 500, 200]);
    const p = publisher(url, { maxAttempts: 3 });
    await p.publish(event(1));
    await p.publish(event(2));
    await p.drain();
    expect(hits.map((h) => h.headers['x-vectorwatch-delivery'])).toEqual(['1', '1', '1', '2']);
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_gave_up_total', { reason: 'retries_exhausted' })).toBe(1);
    const errors = p.lines().filter((l) => l.level === 50);
    expect(errors).toMatchObject([{ eventId: 1, reason: 'retries_exhausted', msg: 'alert webhook delivery abandoned' }]);
  });

  it('does not retry a refused delivery (4xx)', async () => {
    const { url, hits } = await receiver([400, 200]);
    const p = publisher(url);
    await p.publish(event(3));
    await p.drain();
    expect(hits).toHaveLength(1);
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_gave_up_total', { reason: 'rejected' })).toBe(1);
  });

  it('notifies only on the configured transitions (no spam on repeat breaches)', async () => {
    const { url, hits } = await receiver([200]);
    const p = publisher(url);
    for (const [i, t] of (['opened', 'updated', 'updated', 'commented', 'escalated', 'resolved'] as const).entries()) await p.publish(event(i + 1, t));
    await p.drain();
    expect(hits.map((h) => h.headers['x-vectorwatch-event'])).toEqual(['opened', 'escalated', 'resolved']);
  });

  it('bounds the queue: the oldest waiting delivery is abandoned and counted', async () => {
    const { url, hits } = await receiver([500, 200]);
    const p = publisher(url, { maxQueue: 1, initialBackoffMs: 50, maxBackoffMs: 50 });
    await p.publish(event(1)); // in flight (first attempt fails, then backs off)
    await p.publish(event(2)); // waits
    await p.publish(event(3)); // queue full: 2 is abandoned
    await p.drain();
    expect(hits.map((h) => h.headers['x-vectorwatch-delivery'])).toEqual(['1', '1', '3']);
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_gave_up_total', { reason: 'queue_full' })).toBe(1);
  });

  it('abandons what is still waiting at close', async () => {
    const { url } = await receiver([500]);
    const p = publisher(url, { initialBackoffMs: 10_000, maxBackoffMs: 10_000 });
    await p.publish(event(1));
    await p.publish(event(2));
    await new Promise((r) => setTimeout(r, 50));
    await p.close();
    expect(await counter(p.registry, 'vectorwatch_alert_webhook_gave_up_total', { reason: 'shutdown' })).toBe(2);
  });
});

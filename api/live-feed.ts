/**
 * The live page's event source inside the API: messages the broker delivers to the API's service principal
 * (`svc:api`: telemetry, and alert transitions on `alerts/#`) become typed events for the SSE stream. Telemetry is
 * checked against the device contract (contracts/telemetry.ts) and the registry, so the page shows only readings
 * ingest would accept, tagged with the device's site, district and contractor for the tenancy filter; anything
 * else is dropped here silently (ingest is where refusals are counted and explained).
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { AlertEventSchema, parseAlertTopic, type Alert } from '../contracts/alert.ts';
import type { LiveReadingEvent } from '../contracts/api/queries.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import { TelemetrySchema, timestampMs } from '../contracts/telemetry.ts';
import { ALL_TELEMETRY, parseDeviceTopic } from '../contracts/topics.ts';
import type { Logger } from '../platform/logger.ts';
import { PRIMARY_FIELD } from './primary-field.ts';

export type LiveEvent = { type: 'reading'; reading: LiveReadingEvent } | { type: 'alert'; alert: Alert };

export interface LiveFeed {
  /** One message as the broker delivered it. */
  push(topic: string, payload: Uint8Array): void;
  /** An alert changed in this process (e.g. acknowledged through the API). */
  alertChanged(alert: Alert): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  listeners(): number;
  /**
   * Called with true when the first listener arrives and false when the last leaves (subscribe only on demand);
   * the promise says when the upstream subscription is in place.
   */
  onDemand(fn: (wanted: boolean) => Promise<void> | void): void;
  /** Resolves once the upstream subscription for the current listeners is in place. */
  ready(): Promise<void>;
}

function parseJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function createLiveFeed(deps: { directory: DeviceDirectory }): LiveFeed {
  const listeners = new Set<(event: LiveEvent) => void>();
  const demand: ((wanted: boolean) => Promise<void> | void)[] = [];
  let upstream: Promise<void> = Promise.resolve();
  const announce = (wanted: boolean) => {
    upstream = Promise.all(demand.map((fn) => fn(wanted))).then(() => undefined);
  };
  const emit = (event: LiveEvent) => {
    for (const l of listeners) l(event);
  };
  return {
    push(topic, payload) {
      if (listeners.size === 0 || payload.byteLength === 0) return;
      const alertTopic = parseAlertTopic(topic);
      if (alertTopic) {
        const event = AlertEventSchema.safeParse(parseJson(payload));
        if (event.success) emit({ type: 'alert', alert: event.data.alert });
        return;
      }
      const t = parseDeviceTopic(topic);
      if (!t || t.channel !== 'telemetry') return;
      const device = deps.directory.getDevice(t.deviceId);
      const reading = TelemetrySchema.safeParse(parseJson(payload));
      if (!device || device.status !== 'active' || !reading.success || reading.data.kind !== device.kind) return;
      const r = reading.data;
      const { field } = PRIMARY_FIELD[r.kind];
      const value = (r as unknown as Record<string, unknown>)[field];
      emit({
        type: 'reading',
        reading: {
          deviceId: device.id, kind: r.kind, siteId: device.siteId, districtId: device.districtId, contractorId: device.contractorId,
          at: new Date(timestampMs(r.ts)).toISOString(), seq: r.seq, field, value: typeof value === 'number' ? value : null,
          battery: r.battery ?? null,
        },
      });
    },
    alertChanged: (alert) => emit({ type: 'alert', alert }),
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) announce(true);
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) announce(false);
      };
    },
    listeners: () => listeners.size,
    onDemand(fn) {
      demand.push(fn);
      if (listeners.size > 0) announce(true);
    },
    ready: () => upstream,
  };
}

/**
 * Feeds `feed` from the broker as `svc:api` (broker/acl.ts grants it telemetry, status and alerts). A clean
 * session at QoS 0: a live view wants what is happening now, not a backlog after a restart. Subscribed only while
 * some page is watching, so the broker does not copy every reading to the API for nobody.
 */
export function connectLiveFeed(opts: { url: string; servicePassword: string; feed: LiveFeed; logger: Logger }): { close(): Promise<void> } {
  const log = opts.logger.child({ component: 'api-live' });
  const client = mqtt.connect(opts.url, {
    clientId: `svc:api-${randomBytes(6).toString('hex')}`,
    username: 'svc:api',
    password: opts.servicePassword,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  const TOPICS = [ALL_TELEMETRY, 'alerts/#'];
  /** A page never waits longer than this for the subscription (e.g. while the broker is away). */
  const READY_BOUND_MS = 2000;
  let wanted = false;
  const sync = (): Promise<void> =>
    new Promise((resolve) => {
      if (!client.connected) return resolve(); // subscribed on (re)connect
      const bound = setTimeout(resolve, READY_BOUND_MS);
      const done = (err?: Error | null) => {
        clearTimeout(bound);
        if (err && wanted) log.error({ err: err.message }, 'live feed subscription refused; the live page will not update');
        resolve();
      };
      if (wanted) client.subscribe(TOPICS, { qos: 0 }, done);
      else client.unsubscribe(TOPICS, done);
    });
  client.on('connect', () => {
    if (wanted) void sync();
  });
  opts.feed.onDemand((w) => {
    wanted = w;
    return sync();
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'live feed connection error'));
  client.on('message', (topic, payload) => opts.feed.push(topic, payload));
  return {
    close: async () => {
      await client.endAsync(true);
    },
  };
}

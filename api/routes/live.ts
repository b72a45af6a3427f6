/**
 * The live page's data: a snapshot (every device in scope with its latest value, battery and the last 24 h in
 * hourly buckets) and a server-sent event stream of readings and alert changes, filtered by the caller's scope
 * on the server before anything is written to the socket.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LiveSnapshotQuerySchema, LiveSnapshotSchema, type LiveDevice } from '../../contracts/api/queries.ts';
import { DEVICE_KINDS, type DeviceKind } from '../../contracts/telemetry.ts';
import type { Device } from '../../contracts/registry.ts';
import type { InfluxHttp } from '../../platform/influx-http.ts';
import type { Registry } from '../../registry/registry.ts';
import { assertInScope, isInScope, scopeFilter } from '../access.ts';
import { and, ident, scopeClause, str } from '../influxql.ts';
import type { LiveEvent, LiveFeed } from '../live-feed.ts';
import { PRIMARY_FIELD } from '../primary-field.ts';
import { route } from '../route.ts';
import { sitesInScope } from './reference.ts';

/** A device with no reading for this long is silent. Demo devices report every few seconds, real ones every 15 min–1 day. */
export const SILENT_AFTER_MS = 30 * 60_000;
export const LOW_BATTERY_PCT = 20;
const HOUR = 3600_000;
const SPARK_BUCKETS = 24;
const KEEPALIVE_MS = 15_000;

export interface LiveRouteDeps {
  registry: Registry;
  influx: InfluxHttp;
  feed: LiveFeed;
  clock: () => number;
  /** Overrides SILENT_AFTER_MS (tests). */
  silentAfterMs?: number | undefined;
}

type Row = { device: string; time: number; value: number | null };

async function perDevice(influx: InfluxHttp, q: string): Promise<Row[]> {
  const series = await influx.query(q);
  return series.flatMap((s) => s.values.map((v) => ({ device: s.tags?.device ?? '', time: Number(v[0]), value: v[1] === null ? null : Number(v[1]) })));
}

function devicesInScope(req: FastifyRequest, registry: Registry, siteIds: Set<string>): Device[] {
  const scope = scopeFilter(req);
  const all = 'contractorId' in scope ? registry.listDevices({ contractorId: scope.contractorId, limit: 10_000 }) : registry.listDevices({ limit: 10_000 });
  return all.filter((d) => siteIds.has(d.siteId) && isInScope(req, { districtIds: [d.districtId], contractorIds: [d.contractorId] }));
}

export function liveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const silentAfterMs = deps.silentAfterMs ?? SILENT_AFTER_MS;
  const streams = new Set<() => void>();
  // Open streams would hold app.close() forever: end them when the server starts closing.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  route(app, {
    method: 'GET', url: '/api/live/snapshot', tags: ['live'], access: { permission: 'live:read' },
    summary: 'Sites and devices in my scope with latest values and a 24 h sparkline',
    query: LiveSnapshotQuerySchema, response: { 200: LiveSnapshotSchema },
    async handler(req, { query }) {
      if (query.siteId) assertInScope(req, 'site', query.siteId);
      if (query.districtId) assertInScope(req, 'district', query.districtId);
      const now = deps.clock();
      const sites = sitesInScope(req, deps.registry).filter(
        (s) => (!query.siteId || s.id === query.siteId) && (!query.districtId || s.districtId === query.districtId),
      );
      const devices = devicesInScope(req, deps.registry, new Set(sites.map((s) => s.id)));
      const sparkStart = Math.floor(now / HOUR) * HOUR - (SPARK_BUCKETS - 1) * HOUR;
      const kinds = DEVICE_KINDS.filter((k) => devices.some((d) => d.kind === k));
      const siteClause = query.siteId ? `${ident('site')} = ${str(query.siteId)}` : query.districtId ? `${ident('district')} = ${str(query.districtId)}` : null;
      const scope = scopeClause(scopeFilter(req));

      const latest = new Map<string, { at: number; value: number | null; battery: number | null }>();
      const spark = new Map<string, (number | null)[]>();
      await Promise.all(
        kinds.map(async (kind: DeviceKind) => {
          const { field, agg } = PRIMARY_FIELD[kind];
          const recent = and(`time > ${now - 7 * 24 * HOUR}ms`, scope, siteClause);
          const [values, batteries, buckets] = await Promise.all([
            perDevice(deps.influx, `SELECT last(${ident(field)}) FROM ${ident(kind)} WHERE ${recent} GROUP BY ${ident('device')}`),
            perDevice(deps.influx, `SELECT last(${ident('battery')}) FROM ${ident(kind)} WHERE ${recent} GROUP BY ${ident('device')}`),
            perDevice(
              deps.influx,
              `SELECT ${agg}(${ident(field)}) FROM ${ident(kind)} WHERE ${and(`time >= ${sparkStart}ms`, scope, siteClause)} GROUP BY time(1h), ${ident('device')} fill(none)`,
            ),
          ]);
          for (const r of values) latest.set(r.device, { at: r.time, value: r.value, battery: null });
          for (const r of batteries) {
            const l = latest.get(r.device);
            if (l) l.battery = r.value;
          }
          for (const r of buckets) {
            const i = Math.floor((r.time - sparkStart) / HOUR);
            if (i < 0 || i >= SPARK_BUCKETS) continue;
            const row = spark.get(r.device) ?? Array.from({ length: SPARK_BUCKETS }, () => null);
            row[i] = r.value;
            spark.set(r.device, row);
          }
        }),
      );

      const out: LiveDevice[] = devices.map((d) => {
        const l = latest.get(d.id);
        const state: LiveDevice['state'] =
          d.status === 'disabled' ? 'disabled'
          : !l || now - l.at > silentAfterMs ? 'silent'
          : l.battery !== null && l.battery < LOW_BATTERY_PCT ? 'low_battery'
          : 'ok';
        return {
          id: d.id, kind: d.kind, siteId: d.siteId, districtId: d.districtId, contractorId: d.contractorId, label: d.label, status: d.status,
          field: PRIMARY_FIELD[d.kind].field, agg: PRIMARY_FIELD[d.kind].agg,
          latest: l ? { at: new Date(l.at).toISOString(), value: l.value, battery: l.battery } : null,
          spark: spark.get(d.id) ?? Array.from({ length: SPARK_BUCKETS }, () => null),
          state,
        };
      });
      return { at: new Date(now).toISOString(), sparkStart: new Date(sparkStart).toISOString(), silentAfterS: silentAfterMs / 1000, lowBatteryPct: LOW_BATTERY_PCT, sites, devices: out };
    },
  });

  route(app, {
    method: 'GET', url: '/api/live', tags: ['live'], access: { permission: 'live:read' },
    summary: 'Server-sent events: `reading` and `alert`, only for my scope',
    description: 'text/event-stream. Each event is JSON: `event: reading` (LiveReadingEvent) or `event: alert` (Alert). A comment line every 15 s keeps proxies from closing the stream.',
    async handler(req, _input, reply) {
      const visible = (e: LiveEvent): boolean => {
        if (e.type === 'reading') return isInScope(req, { districtIds: [e.reading.districtId], contractorIds: [e.reading.contractorId] });
        const site = e.alert.siteId ? deps.registry.getSite(e.alert.siteId) : undefined;
        return isInScope(req, { districtIds: [e.alert.districtId], contractorIds: site ? [site.contractorId] : [] });
      };
      reply.hijack();
      const res = reply.raw;
      const format = (e: LiveEvent) => `event: ${e.type}\ndata: ${JSON.stringify(e.type === 'reading' ? e.reading : e.alert)}\n\n`;
      let held: string[] | null = []; // events that arrive before the stream opens
      const unsubscribe = deps.feed.subscribe((e) => {
        if (!visible(e) || res.writableEnded) return;
        if (held) held.push(format(e));
        else res.write(format(e));
      });
      // Open the stream once the API's broker subscription is in place: nothing published after "open" is missed.
      await deps.feed.ready();
      if (req.raw.destroyed) {
        unsubscribe();
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 2000\n\n${held.join('')}`);
      held = null;
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const end = () => {
        clearInterval(keepalive);
        unsubscribe();
        streams.delete(end);
        if (!res.writableEnded) res.end();
      };
      streams.add(end);
      req.raw.on('close', end);
      res.on('error', end);
    },
  });
}

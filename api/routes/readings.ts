/**
 * Readings from InfluxDB by device, site or district and time range. Short ranges of one device come back raw;
 * anything longer is downsampled on the server with `GROUP BY time(…)` to at most MAX_BUCKETS buckets per series
 * (api/influxql.ts). Tenancy: an id outside the caller's scope is 404, and every query also carries the scope
 * clause on the `district` / `contractor` tags, so nothing outside it can come back.
 */
import type { FastifyInstance } from 'fastify';
import { ReadingsQuerySchema, ReadingsResponseSchema } from '../../contracts/api/queries.ts';
import type { DeviceKind } from '../../contracts/telemetry.ts';
import type { InfluxHttp, InfluxSeries } from '../../platform/influx-http.ts';
import type { Registry } from '../../registry/registry.ts';
import { assertInScope, scopeFilter } from '../access.ts';
import { ApiError } from '../errors.ts';
import { and, chooseInterval, ident, MAX_BUCKETS, scopeClause, str, timeRange } from '../influxql.ts';
import { defaultAgg, isStoredField, PRIMARY_FIELD } from '../primary-field.ts';
import { route } from '../route.ts';

/** One device over at most this range comes back as raw readings. */
export const RAW_RANGE_MS = 6 * 3600_000;
const MAX_RANGE_MS = 3 * 366 * 24 * 3600_000;
const RAW_LIMIT = 10_000;

const bad = (path: string, message: string) => new ApiError('VALIDATION_FAILED', `${path}: ${message}`, { issues: [{ path, message }] });

export function readingRoutes(app: FastifyInstance, deps: { registry: Registry; influx: InfluxHttp; clock: () => number }): void {
  route(app, {
    method: 'GET', url: '/api/readings', tags: ['readings'], access: { permission: 'readings:read' },
    summary: 'Readings of a device, site or district over a time range, downsampled on the server for long ranges',
    query: ReadingsQuerySchema, response: { 200: ReadingsResponseSchema },
    async handler(req, { query }) {
      const where: string[] = [];
      let kind = query.kind as DeviceKind | undefined;
      if (query.deviceId) {
        assertInScope(req, 'device', query.deviceId);
        const device = deps.registry.getDevice(query.deviceId);
        if (kind && device && device.kind !== kind) throw bad('query.kind', `device ${query.deviceId} is a ${device.kind}`);
        kind = device?.kind;
        where.push(`${ident('device')} = ${str(query.deviceId)}`);
      }
      if (query.siteId) {
        assertInScope(req, 'site', query.siteId);
        where.push(`${ident('site')} = ${str(query.siteId)}`);
      }
      if (query.districtId) {
        assertInScope(req, 'district', query.districtId);
        where.push(`${ident('district')} = ${str(query.districtId)}`);
      }
      if (!kind) throw bad('query.kind', 'kind is required unless deviceId is given');
      const field = query.field ?? PRIMARY_FIELD[kind].field;
      if (!isStoredField(kind, field)) throw bad('query.field', `${kind} has no numeric field ${field}`);

      const toMs = query.to ? Date.parse(query.to) : deps.clock();
      const fromMs = query.from ? Date.parse(query.from) : toMs - 24 * 3600_000;
      if (fromMs >= toMs) throw bad('query.from', 'must be before to');
      if (toMs - fromMs > MAX_RANGE_MS) throw bad('query.from', 'range is longer than 3 years');

      const filter = and(timeRange(fromMs, toMs), scopeClause(scopeFilter(req)), ...where);
      const groupByDevice = query.by === 'device';
      const raw = query.deviceId !== undefined && toMs - fromMs <= RAW_RANGE_MS && query.agg === undefined;
      const agg = raw ? null : (query.agg ?? defaultAgg(field));
      const interval = raw ? null : chooseInterval(toMs - fromMs);
      const q = raw
        ? `SELECT ${ident(field)} AS value FROM ${ident(kind)} WHERE ${filter} GROUP BY ${ident('device')} ORDER BY time LIMIT ${RAW_LIMIT}`
        : `SELECT ${agg}(${ident(field)}) AS value FROM ${ident(kind)} WHERE ${filter} GROUP BY time(${interval})${groupByDevice ? `, ${ident('device')}` : ''} fill(none) SLIMIT 1000`;
      const series: InfluxSeries[] = await deps.influx.query(q);
      return {
        kind, field, agg, interval, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(),
        series: series.map((s) => ({
          deviceId: groupByDevice || raw ? (s.tags?.device ?? null) : null,
          points: s.values.slice(0, raw ? RAW_LIMIT : MAX_BUCKETS + 1).map((row) => [Number(row[0]), row[1] === null ? null : Number(row[1])] as [number, number | null]),
        })),
      };
    },
  });
}

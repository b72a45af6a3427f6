/**
 * A small typed InfluxQL layer for the dashboards. The Grafana foundation SDK has no InfluxDB query type, so
 * `InfluxQLTargetBuilder` is one (a cog `Builder<Dataquery>`, accepted by every panel's `withTarget`), and
 * `select()` writes the query text from measurement, field and tag names the compiler checks against
 * contracts/influx-schema.ts and ingest/field-types.ts. Queries are raw InfluxQL, the one query language InfluxDB
 * 1.x, 2.x (DBRP mapping) and 3.x all answer; Grafana fills `$timeFilter`, `$__interval` and the `$district`,
 * `$site`, `$contractor`, `$device` variables.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import type { ALERT_EVENT_MEASUREMENT, INDICATOR_MEASUREMENT, INGEST_STATS_MEASUREMENT, TELEMETRY_TAGS } from '../contracts/influx-schema.ts';
import type { DeviceKind } from '../contracts/telemetry.ts';
import type { FIELD_TYPES } from '../ingest/field-types.ts';

export const DATASOURCE: DataSourceRef = { type: 'influxdb', uid: 'vectorwatch-influxdb' };

/** Keys of `bySpecies` maps, flattened by ingest to `bySpecies_<key>` integer fields (ingest/to-point.ts). */
type MosquitoSpeciesField = 'bySpecies_culex' | 'bySpecies_aedes' | 'bySpecies_anopheles' | 'bySpecies_other';

type ScalarTelemetryField<K extends DeviceKind> = {
  [F in keyof (typeof FIELD_TYPES)[K]]: (typeof FIELD_TYPES)[K][F] extends 'integerMap' ? never : F;
}[keyof (typeof FIELD_TYPES)[K]] & string;

export type Measurement = DeviceKind | 'indicator' | 'alert_event' | 'ingest_stats';

export type FieldOf<M extends Measurement> = M extends 'indicator'
  ? keyof typeof INDICATOR_MEASUREMENT.fields
  : M extends 'alert_event'
    ? keyof typeof ALERT_EVENT_MEASUREMENT.fields
    : M extends 'ingest_stats'
      ? keyof typeof INGEST_STATS_MEASUREMENT.fields
      : M extends 'mosquito_trap'
        ? ScalarTelemetryField<M> | MosquitoSpeciesField
        : M extends DeviceKind
          ? ScalarTelemetryField<M>
          : never;

export type TagOf<M extends Measurement> = M extends 'indicator'
  ? (typeof INDICATOR_MEASUREMENT.tags)[number]
  : M extends 'alert_event'
    ? (typeof ALERT_EVENT_MEASUREMENT.tags)[number]
    : M extends 'ingest_stats'
      ? (typeof INGEST_STATS_MEASUREMENT.tags)[number]
      : (typeof TELEMETRY_TAGS)[number];

/** The dashboard variables, each named after the telemetry tag it filters. */
export type VariableName = (typeof TELEMETRY_TAGS)[number];

const ident = (name: string): string => `"${name.replace(/"/g, '\\"')}"`;
const literal = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** `"field"`, checked against the measurement's fields. */
export const field = <M extends Measurement>(_m: M, name: FieldOf<M>): string => ident(name);
/** `"tag"`, checked against the measurement's tags. */
export const tag = <M extends Measurement>(_m: M, name: TagOf<M>): string => ident(name);

export type Aggregate = 'sum' | 'mean' | 'max' | 'min' | 'first' | 'last' | 'count' | 'median';
/** `sum("caught") AS "捕获"`. */
export const agg = <M extends Measurement>(m: M, fn: Aggregate, name: FieldOf<M>, as?: string): string =>
  `${fn}(${field(m, name)})${as ? ` AS ${ident(as)}` : ''}`;

/** An aggregate of an envelope field every telemetry kind has (`seq`, `battery`, `rssi`), for queries over all kinds. */
export const envelopeAgg = (fn: Aggregate, name: 'seq' | 'battery' | 'rssi', as?: string): string => agg('rodent_station', fn, name, as);

/** `"tag" = 'value'` */
export const tagEquals = <M extends Measurement>(m: M, name: TagOf<M>, value: string): string => `${tag(m, name)} = ${literal(value)}`;
/** `"field" = 'value'` for string fields, or a number/boolean comparison. */
export const fieldCompare = <M extends Measurement>(m: M, name: FieldOf<M>, op: '=' | '!=' | '>=' | '<=' | '>' | '<', value: string | number | boolean): string =>
  `${field(m, name)} ${op} ${typeof value === 'string' ? literal(value) : String(value)}`;
/** `"district" =~ /^$district$/`: Grafana expands a multi-value or All variable into a regex alternation. */
export const matchesVariable = (name: VariableName, variable: string = name): string => `${ident(name)} =~ /^$${variable}$/`;

export interface SelectSpec<M extends Measurement> {
  from: M | readonly M[];
  /** Expressions, written with `agg`, `field` and plain InfluxQL functions. */
  select: readonly string[];
  /** Further conditions, joined with AND. */
  where?: readonly string[];
  /** Variables that filter this query (each a telemetry tag the measurement carries). */
  variables?: readonly VariableName[];
  /** Default: `$timeFilter` (the dashboard's range). A fixed window such as `time > now() - 24h` otherwise. */
  time?: string;
  /** `time($__interval)` or a fixed interval. */
  groupByTime?: string;
  groupBy?: readonly TagOf<M>[];
  fill?: 'null' | 'none' | '0' | 'previous';
  orderBy?: 'time DESC';
  limit?: number;
}

export function select<M extends Measurement>(spec: SelectSpec<M>): string {
  const from = (Array.isArray(spec.from) ? spec.from : [spec.from]).map(ident).join(', ');
  const where = [...(spec.where ?? []), ...(spec.variables ?? []).map((v) => matchesVariable(v)), spec.time ?? '$timeFilter'];
  const groups = [...(spec.groupByTime ? [`time(${spec.groupByTime})`] : []), ...(spec.groupBy ?? []).map(ident)];
  return [
    `SELECT ${spec.select.join(', ')}`,
    `FROM ${from}`,
    `WHERE ${where.join(' AND ')}`,
    groups.length > 0 ? `GROUP BY ${groups.join(', ')}` : '',
    spec.fill ? `fill(${spec.fill})` : '',
    spec.orderBy ? `ORDER BY ${spec.orderBy}` : '',
    spec.limit !== undefined ? `LIMIT ${spec.limit}` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
}

/** A query over the rows of an inner query (InfluxQL's HAVING): `SELECT … FROM (inner) WHERE …`. */
export function selectFrom(inner: string, outer: { select: readonly string[]; where?: readonly string[]; groupBy?: readonly string[] }): string {
  return [
    `SELECT ${outer.select.join(', ')}`,
    `FROM (${inner})`,
    outer.where && outer.where.length > 0 ? `WHERE ${outer.where.join(' AND ')}` : '',
    outer.groupBy && outer.groupBy.length > 0 ? `GROUP BY ${outer.groupBy.map(ident).join(', ')}` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
}

/** The target JSON of Grafana's InfluxDB data source in raw InfluxQL mode. */
export interface InfluxQLTarget extends Dataquery {
  refId: string;
  datasource: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export class InfluxQLTargetBuilder implements Builder<InfluxQLTarget> {
  private readonly internal: InfluxQLTarget;

  constructor(query: string) {
    this.internal = {
      refId: 'A', datasource: DATASOURCE, query, rawQuery: true, resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  /** `table` for tables and bar gauges of one value per series; `time_series` otherwise. */
  format(format: InfluxQLTarget['resultFormat']): this {
    this.internal.resultFormat = format;
    return this;
  }

  /** Legend text: `$tag_site`, `$col`, … */
  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  build(): InfluxQLTarget {
    return { ...this.internal };
  }
}

export const influxql = (query: string): InfluxQLTargetBuilder => new InfluxQLTargetBuilder(query);
